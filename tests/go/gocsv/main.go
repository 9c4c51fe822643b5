// gocsv reads stdin with Go's encoding/csv exactly as kube-apiserver does, and prints what
// it read as JSON, so kcred's port (src/whoami/gocsv.rs) is checked against the real reader:
//
//   - -mode tokenfile: k8s.io/apiserver/pkg/authentication/token/tokenfile/tokenfile.go
//     NewCSV: csv.NewReader with FieldsPerRecord = -1, Read until io.EOF; a record with
//     fewer than 3 fields is the error NewCSV returns. Prints {"records":[[...]...]} or
//     {"error":"..."}; fields are printed as Go strings (invalid UTF-8 becomes U+FFFD in JSON).
//   - -mode stringslice: github.com/spf13/pflag string_slice.go readAsCSV (one Read of the
//     whole value, "" is no values), as --api-audiences is parsed. Prints {"values":[...]}
//     or {"error":"..."}.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	mode := flag.String("mode", "tokenfile", "tokenfile or stringslice")
	flag.Parse()
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := map[string]any{}
	switch *mode {
	case "tokenfile":
		r := csv.NewReader(strings.NewReader(string(in)))
		r.FieldsPerRecord = -1
		records := [][]string{}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				out["error"] = err.Error()
				break
			}
			if len(rec) < 3 {
				out["error"] = fmt.Sprintf("must have at least 3 columns (token, user name, user uid), found %d", len(rec))
				break
			}
			records = append(records, rec)
		}
		if out["error"] == nil {
			out["records"] = records
		}
	case "stringslice":
		val := string(in)
		if val == "" {
			out["values"] = []string{}
			break
		}
		v, err := csv.NewReader(strings.NewReader(val)).Read()
		if err != nil {
			out["error"] = err.Error()
		} else {
			out["values"] = v
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown -mode")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}
