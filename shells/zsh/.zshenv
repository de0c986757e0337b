# Startup files for a zsh that `ddcoterm` records. ZDOTDIR points here while zsh starts; each
# file runs the user's own counterpart (from COTERM_USER_ZDOTDIR) with ZDOTDIR set as usual.
__coterm_zdot=$ZDOTDIR
ZDOTDIR=${COTERM_USER_ZDOTDIR:-$HOME}
[[ -r $ZDOTDIR/.zshenv ]] && . $ZDOTDIR/.zshenv
COTERM_USER_ZDOTDIR=$ZDOTDIR
ZDOTDIR=$__coterm_zdot
