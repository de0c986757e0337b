from coterm.cli import main

raise SystemExit(main())
