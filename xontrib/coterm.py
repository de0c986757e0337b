"""`xontrib load coterm`: check each command line with coterm before xonsh runs it.

A plain module in the `xontrib` namespace rather than a `xonsh.xontribs` entry point,
because xonsh auto-loads every entry-point xontrib: installing coterm must not change
anyone's shell until they ask for it.
"""

from coterm.xontrib import _load_xontrib_, _unload_xontrib_

__all__ = ["_load_xontrib_", "_unload_xontrib_"]
