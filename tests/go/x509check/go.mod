module kcred.test/x509check

go 1.22
