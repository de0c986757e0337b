"""The recorder: a pty proxy that writes asciicast v2 and feeds session sinks.

Main entry: `coterm.record.session.run_session(RecordOptions(...)) -> exit status`.
Pieces: proxy (the I/O loop), child (the pty and the program), writer (the recording
process: marks, decoding, redaction, .cast lines, sinks), cast (file format, reader),
marks (hook marks), player, export, locate (ids and paths), sinks (default_sinks()).
"""
