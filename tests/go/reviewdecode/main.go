// reviewdecode reads a review request body the way kube-apiserver's JSON serializer does and
// prints the object it would go on to evaluate, as canonical JSON.
//
// What is real code and what is re-stated:
//   - REAL (Debian's golang-k8s-sigs-json-dev, sigs.k8s.io/json at 9f7c6b3, 2021-12-08; 1.35
//     vendors a later commit of the same package): UnmarshalStrict, case-sensitive field
//     names, a repeated key decoded into what the first one filled (structs, pointers and
//     maps merge; lists and strings are replaced), null as the zero value, invalid UTF-8
//     replaced. Strict-decoding errors (duplicate and unknown fields) are discarded, as
//     create's default fieldValidation=Warn turns them into warnings.
//   - REAL (Go's encoding/json): the apiVersion/kind peek of runtime.Interpret
//     (apimachinery pkg/runtime/serializer/json/meta.go), case-insensitive.
//   - RE-STATED: the spec types' field names and json tags, copied from
//     staging/src/k8s.io/api/authorization/v1/types.go (SubjectAccessReviewSpec,
//     ResourceAttributes, NonResourceAttributes, FieldSelectorAttributes,
//     LabelSelectorAttributes) and staging/src/k8s.io/api/authentication/v1/types.go
//     (TokenReviewSpec). metadata and status are not decoded here.
//
// Usage: reviewdecode -kind SubjectAccessReview|TokenReview < body
// Prints {"apiVersion", "kind", "spec"} or {"error": "..."}; exit status 0 when stdin was read.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	kjson "sigs.k8s.io/json"
)

type FieldSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

type FieldSelectorAttributes struct {
	RawSelector  string                     `json:"rawSelector,omitempty"`
	Requirements []FieldSelectorRequirement `json:"requirements,omitempty"`
}

type LabelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

type LabelSelectorAttributes struct {
	RawSelector  string                     `json:"rawSelector,omitempty"`
	Requirements []LabelSelectorRequirement `json:"requirements,omitempty"`
}

type ResourceAttributes struct {
	Namespace     string                   `json:"namespace,omitempty"`
	Verb          string                   `json:"verb,omitempty"`
	Group         string                   `json:"group,omitempty"`
	Version       string                   `json:"version,omitempty"`
	Resource      string                   `json:"resource,omitempty"`
	Subresource   string                   `json:"subresource,omitempty"`
	Name          string                   `json:"name,omitempty"`
	FieldSelector *FieldSelectorAttributes `json:"fieldSelector,omitempty"`
	LabelSelector *LabelSelectorAttributes `json:"labelSelector,omitempty"`
}

type NonResourceAttributes struct {
	Path string `json:"path,omitempty"`
	Verb string `json:"verb,omitempty"`
}

type ExtraValue []string

type SubjectAccessReviewSpec struct {
	ResourceAttributes    *ResourceAttributes    `json:"resourceAttributes,omitempty"`
	NonResourceAttributes *NonResourceAttributes `json:"nonResourceAttributes,omitempty"`
	User                  string                 `json:"user,omitempty"`
	Groups                []string               `json:"groups,omitempty"`
	Extra                 map[string]ExtraValue  `json:"extra,omitempty"`
	UID                   string                 `json:"uid,omitempty"`
}

type TokenReviewSpec struct {
	Token     string   `json:"token,omitempty"`
	Audiences []string `json:"audiences,omitempty"`
}

func main() {
	kind := flag.String("kind", "SubjectAccessReview", "SubjectAccessReview or TokenReview")
	flag.Parse()
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	fail := func(err error) {
		_ = out.Encode(map[string]string{"error": err.Error()})
		os.Exit(0)
	}
	// runtime.Interpret: encoding/json into {apiVersion, kind}.
	var findKind struct {
		APIVersion string `json:"apiVersion,omitempty"`
		Kind       string `json:"kind,omitempty"`
	}
	if err := json.Unmarshal(body, &findKind); err != nil {
		fail(err)
	}
	var spec interface{}
	switch *kind {
	case "SubjectAccessReview":
		spec = &SubjectAccessReviewSpec{}
	case "TokenReview":
		spec = &TokenReviewSpec{}
	default:
		fmt.Fprintln(os.Stderr, "unknown -kind")
		os.Exit(2)
	}
	obj := struct {
		Spec interface{} `json:"spec"`
	}{Spec: spec}
	if _, err := kjson.UnmarshalStrict(body, &obj); err != nil {
		fail(err)
	}
	_ = out.Encode(map[string]interface{}{
		"apiVersion": findKind.APIVersion,
		"kind":       findKind.Kind,
		"spec":       spec,
	})
}
