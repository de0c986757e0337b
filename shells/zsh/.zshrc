ZDOTDIR=$COTERM_USER_ZDOTDIR
[[ -r $ZDOTDIR/.zshrc ]] && . $ZDOTDIR/.zshrc
[[ -n ${COTERM_HOOK_FILE-} && -r $COTERM_HOOK_FILE ]] && . $COTERM_HOOK_FILE
unset COTERM_HOOK_FILE
# A login shell still reads .zlogin from here; otherwise hand ZDOTDIR back now.
if [[ -o login ]]; then ZDOTDIR=$__coterm_zdot; else unset __coterm_zdot COTERM_USER_ZDOTDIR; fi
