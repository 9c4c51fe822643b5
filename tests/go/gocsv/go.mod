module kcred.test/gocsv

go 1.25

godebug default=go1.25
