complete --keep-order --exclusive --command absurdctl --arguments "(COMPLETE=fish absurdctl -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
