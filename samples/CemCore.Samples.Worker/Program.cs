// Placeholder: the SQLite-backed nightly worker lands with the foundation issue.
return 0;
