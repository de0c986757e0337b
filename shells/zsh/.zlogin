ZDOTDIR=$COTERM_USER_ZDOTDIR
[[ -r $ZDOTDIR/.zlogin ]] && . $ZDOTDIR/.zlogin
unset __coterm_zdot COTERM_USER_ZDOTDIR
