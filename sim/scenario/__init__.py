"""The scenario language: schema (`schema`), loading with `extends` (`loader`), `--set` overrides
(`overrides`) and error reporting (`errors`)."""
