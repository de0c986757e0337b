# Run by a fish that `ddcoterm` records (fish -C 'source <this>'), after the user's config.fish.
if set -q COTERM_HOOK_FILE; and test -r "$COTERM_HOOK_FILE"
    source $COTERM_HOOK_FILE
end
set -e COTERM_HOOK_FILE
