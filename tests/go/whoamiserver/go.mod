module kcred.test/whoamiserver

go 1.22
