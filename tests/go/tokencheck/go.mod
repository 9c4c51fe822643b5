module kcred.test/tokencheck

go 1.22
