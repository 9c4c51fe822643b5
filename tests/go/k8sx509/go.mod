module kcred.test/k8sx509

go 1.22
