ZDOTDIR=$COTERM_USER_ZDOTDIR
[[ -r $ZDOTDIR/.zprofile ]] && . $ZDOTDIR/.zprofile
ZDOTDIR=$__coterm_zdot
