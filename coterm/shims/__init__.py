"""Shims: `$COTERM_HOME/overrides/NAME` executables that route every NAME through coterm.

Kept empty on purpose: the shim stub imports `coterm.shims.run`, and everything this
package's __init__ imported would be paid on every shimmed command.
"""
