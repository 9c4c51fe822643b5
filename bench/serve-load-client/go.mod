module kcred.invalid/serve-load-client

go 1.22
