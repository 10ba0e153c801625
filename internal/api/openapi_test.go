package api_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/failure"
)

// The OpenAPI description must match the server: every route documented and
// every documented operation served, every problem code in the code base in
// the ProblemCode enum (and nothing else), each problem response listing only
// codes whose kind maps to its status, and every $ref resolving.

const openAPIPath = "../../api/openapi.yaml"

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", openAPIPath, err)
	}
	return doc
}

// obj returns v as a YAML mapping with string keys, or fails the test.
func obj(t *testing.T, v any, where string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want a mapping with string keys, got %T", where, v)
	}
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// resolve follows a local JSON pointer such as "#/components/schemas/Problem".
func resolve(doc map[string]any, ref string) (any, bool) {
	p, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = doc
	if p == "" {
		return cur, true
	}
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deref follows $ref chains until it reaches an object without one.
func deref(t *testing.T, doc map[string]any, v any, where string) map[string]any {
	t.Helper()
	m := obj(t, v, where)
	for i := 0; i < 10; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, ok := resolve(doc, ref)
		if !ok {
			t.Fatalf("%s: $ref %q does not resolve", where, ref)
		}
		m = obj(t, target, ref)
	}
	t.Fatalf("%s: $ref chain too long", where)
	return nil
}

// operation is one documented path and method.
type operation struct {
	key string // "POST /api/v1/app/login"
	op  map[string]any
}

func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	var out []operation
	for path, item := range obj(t, doc["paths"], "paths") {
		for _, m := range httpMethods {
			if op, ok := obj(t, item, path)[m]; ok {
				out = append(out, operation{strings.ToUpper(m) + " " + path, obj(t, op, m+" "+path)})
			}
		}
	}
	slices.SortFunc(out, func(a, b operation) int { return strings.Compare(a.key, b.key) })
	return out
}

// routeKey turns a ServeMux pattern into the form used for documented
// operations: "{name...}" becomes "{name}" and a trailing "{$}" is dropped.
var wildcardRest = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}`)

func routeKey(pattern string) (string, bool) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || strings.HasPrefix(method, "/") {
		return "", false
	}
	path = strings.TrimSpace(path)
	if p, ok := strings.CutSuffix(path, "{$}"); ok && p != "/" {
		path = strings.TrimSuffix(p, "/")
	}
	return method + " " + wildcardRest.ReplaceAllString(path, "{$1}"), true
}

func TestOpenAPIVersion(t *testing.T) {
	doc := loadOpenAPI(t)
	if v := str(doc["openapi"]); v != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", v)
	}
	info := obj(t, doc["info"], "info")
	if str(info["title"]) == "" || str(info["version"]) == "" || str(info["description"]) == "" {
		t.Errorf("info lacks a title, version or description")
	}
	if lic := obj(t, info["license"], "info.license"); str(lic["name"]) != "Apache-2.0" {
		t.Errorf("license = %v", lic)
	}
}

func TestOpenAPIRoutesDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	served := map[string]bool{}
	for _, pattern := range api.New(api.Options{}).Routes() {
		key, ok := routeKey(pattern)
		if !ok {
			t.Errorf("route %q has no method; document it per method", pattern)
			continue
		}
		served[key] = true
	}
	if len(served) == 0 {
		t.Fatal("the server lists no routes")
	}
	documented := map[string]bool{}
	operationIDs := map[string]string{}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for _, o := range operations(t, doc) {
		documented[o.key] = true
		if !served[o.key] {
			t.Errorf("%s is documented in api/openapi.yaml but not served", o.key)
		}
		id := str(o.op["operationId"])
		switch {
		case id == "":
			t.Errorf("%s has no operationId", o.key)
		case operationIDs[id] != "":
			t.Errorf("%s and %s share the operationId %q", operationIDs[id], o.key, id)
		default:
			operationIDs[id] = o.key
		}
		if str(o.op["summary"]) == "" {
			t.Errorf("%s has no summary", o.key)
		}
		if str(o.op["x-summary-vi"]) == "" {
			t.Errorf("%s has no x-summary-vi", o.key)
		}
		if _, ok := o.op["responses"].(map[string]any); !ok {
			t.Errorf("%s has no responses (or a status that is not a quoted string)", o.key)
		}
		// Path parameters must be declared, on the path item or the operation.
		_, path, _ := strings.Cut(o.key, " ")
		declared := map[string]bool{}
		item := obj(t, obj(t, doc["paths"], "paths")[path], path)
		for _, list := range []any{item["parameters"], o.op["parameters"]} {
			params, _ := list.([]any)
			for _, p := range params {
				pm := deref(t, doc, p, o.key+" parameter")
				if str(pm["in"]) == "path" {
					declared[str(pm["name"])] = pm["required"] == true
				}
			}
		}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %q is not declared as a required path parameter", o.key, m[1])
			}
		}
	}
	for key := range served {
		if !documented[key] {
			t.Errorf("%s is served but not documented in api/openapi.yaml", key)
		}
	}
}

// problemKinds maps the names of failure kinds, as written in the source, to
// the kinds.
var problemKinds = map[string]failure.Kind{
	"Internal": failure.Internal, "Invalid": failure.Invalid, "NotFound": failure.NotFound,
	"Conflict": failure.Conflict, "Unauthenticated": failure.Unauthenticated, "Forbidden": failure.Forbidden,
	"RateLimited": failure.RateLimited, "Gone": failure.Gone, "Unavailable": failure.Unavailable,
	"Unsupported": failure.Unsupported,
}

// sourceProblemCodes collects the code and kind of every failure.New call in
// the non-test Go sources under internal/.
func sourceProblemCodes(t *testing.T) map[string]failure.Kind {
	t.Helper()
	call := regexp.MustCompile(`failure\.New\(`)
	literal := regexp.MustCompile(`failure\.New\(\s*"([^"\\]+)"\s*,\s*failure\.([A-Za-z]+)\s*,`)
	codes := map[string]failure.Kind{}
	where := map[string]string{}
	err := filepath.WalkDir("../../internal", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := string(b)
		matches := literal.FindAllStringSubmatch(src, -1)
		if n := len(call.FindAllStringIndex(src, -1)); n != len(matches) {
			t.Errorf("%s: %d failure.New calls, %d with a literal code and a failure kind; the test can only check literal ones", path, n, len(matches))
		}
		for _, m := range matches {
			code, kindName := m[1], m[2]
			kind, ok := problemKinds[kindName]
			if !ok {
				t.Errorf("%s: failure.New(%q) has the unknown kind %s; add it to problemKinds", path, code, kindName)
				continue
			}
			if prev, ok := codes[code]; ok && prev != kind {
				t.Errorf("problem code %q has kind %s in %s and another kind in %s", code, kindName, path, where[code])
			}
			codes[code] = kind
			where[code] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) == 0 {
		t.Fatal("found no failure.New calls under ../../internal")
	}
	return codes
}

// responseCodes returns the problem codes a problem response lists: the enum
// of "code" in its application/problem+json schema (directly or in allOf).
func responseCodes(t *testing.T, doc map[string]any, schema any, where string) []string {
	t.Helper()
	s := obj(t, schema, where)
	var parts []any
	if all, ok := s["allOf"].([]any); ok {
		parts = all
	} else {
		parts = []any{s}
	}
	var codes []string
	for _, p := range parts {
		pm := obj(t, p, where)
		props, _ := pm["properties"].(map[string]any)
		code, _ := props["code"].(map[string]any)
		enum, _ := code["enum"].([]any)
		for _, c := range enum {
			codes = append(codes, str(c))
		}
	}
	return codes
}

func TestOpenAPIProblemCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	source := sourceProblemCodes(t)
	schemas := obj(t, obj(t, doc["components"], "components")["schemas"], "components.schemas")
	pc := obj(t, schemas["ProblemCode"], "ProblemCode")
	enumList, _ := pc["enum"].([]any)
	enum := map[string]bool{}
	for _, c := range enumList {
		if enum[str(c)] {
			t.Errorf("ProblemCode lists %q twice", str(c))
		}
		enum[str(c)] = true
	}
	for code := range source {
		if !enum[code] {
			t.Errorf("problem code %q (failure.New in internal/) is not in components.schemas.ProblemCode.enum", code)
		}
	}
	for code := range enum {
		if _, ok := source[code]; !ok {
			t.Errorf("ProblemCode lists %q, which no failure.New in internal/ defines", code)
		}
	}
	// Each code is described, starting with its HTTP status.
	descs, _ := pc["x-enum-descriptions"].(map[string]any)
	for code := range enum {
		d := str(descs[code])
		if d == "" {
			t.Errorf("ProblemCode %q has no x-enum-descriptions entry", code)
			continue
		}
		kind, ok := source[code]
		if !ok {
			continue
		}
		if want := strconv.Itoa(api.StatusOf(kind)); !strings.HasPrefix(d, want+" ") {
			t.Errorf("x-enum-descriptions[%q] = %q, want it to start with its status %s", code, d, want)
		}
	}
	for code := range descs {
		if !enum[code] {
			t.Errorf("x-enum-descriptions describes %q, which is not in the enum", code)
		}
	}

	// Every problem response lists codes of its own status, and carries the
	// headers its status needs.
	listed := map[string]bool{}
	for _, o := range operations(t, doc) {
		for status, r := range obj(t, o.op["responses"], o.key+" responses") {
			where := o.key + " " + status
			n, err := strconv.Atoi(status)
			if err != nil {
				t.Errorf("%s: status %q is not a number", where, status)
				continue
			}
			resp := deref(t, doc, r, where)
			if str(resp["description"]) == "" {
				t.Errorf("%s: no description", where)
			}
			if n < 400 {
				continue
			}
			content, _ := resp["content"].(map[string]any)
			media, ok := content["application/problem+json"].(map[string]any)
			if !ok {
				t.Errorf("%s: no application/problem+json content", where)
				continue
			}
			codes := responseCodes(t, doc, media["schema"], where)
			if len(codes) == 0 {
				t.Errorf("%s: the schema does not narrow code to an enum of the codes returned", where)
			}
			for _, c := range codes {
				listed[c] = true
				kind, ok := source[c]
				if !ok {
					t.Errorf("%s lists the unknown problem code %q", where, c)
				} else if got := api.StatusOf(kind); got != n {
					t.Errorf("%s lists %q, which is answered with %d", where, c, got)
				}
			}
			headers, _ := resp["headers"].(map[string]any)
			if n == 401 && headers["WWW-Authenticate"] == nil {
				t.Errorf("%s: no WWW-Authenticate header", where)
			}
			if n == 429 && headers["Retry-After"] == nil {
				t.Errorf("%s: no Retry-After header", where)
			}
		}
		if o.op["security"] != nil {
			if _, ok := obj(t, o.op["responses"], o.key)["401"]; !ok {
				t.Errorf("%s needs a bearer token but documents no 401", o.key)
			}
		}
	}
	// Codes that no operation lists must say why.
	for code := range enum {
		if !listed[code] && !strings.Contains(str(descs[code]), "not returned") {
			t.Errorf("problem code %q is in the enum but no operation's responses list it", code)
		}
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	count := 0
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch c := v.(type) {
		case map[string]any:
			for k, child := range c {
				if k == "$ref" {
					ref, ok := child.(string)
					if !ok {
						t.Errorf("%s: $ref is not a string", where)
						continue
					}
					count++
					if !strings.HasPrefix(ref, "#/") {
						t.Errorf("%s: $ref %q is not local", where, ref)
					} else if _, ok := resolve(doc, ref); !ok {
						t.Errorf("%s: $ref %q does not resolve", where, ref)
					}
					continue
				}
				walk(child, where+"/"+k)
			}
		case []any:
			for i, child := range c {
				walk(child, where+"/"+strconv.Itoa(i))
			}
		case map[any]any:
			t.Errorf("%s: a mapping with non-string keys (quote numeric keys such as response statuses)", where)
		}
	}
	walk(doc, "#")
	if count == 0 {
		t.Error("no $ref found")
	}
}

func TestOpenAPIRequestBodies(t *testing.T) {
	doc := loadOpenAPI(t)
	var check func(schema map[string]any, where string, depth int)
	check = func(schema map[string]any, where string, depth int) {
		if str(schema["type"]) != "object" || depth > 3 {
			return
		}
		if schema["additionalProperties"] != false {
			t.Errorf("%s: request objects must have additionalProperties: false (the server refuses unknown fields)", where)
		}
		props, _ := schema["properties"].(map[string]any)
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if _, ok := props[str(r)]; !ok {
				t.Errorf("%s: required %q is not a property", where, str(r))
			}
		}
		for name, p := range props {
			check(deref(t, doc, p, where+"."+name), where+"."+name, depth+1)
		}
	}
	for _, o := range operations(t, doc) {
		rb, ok := o.op["requestBody"]
		if !ok {
			continue
		}
		body := deref(t, doc, rb, o.key+" requestBody")
		content, _ := body["content"].(map[string]any)
		media, ok := content["application/json"].(map[string]any)
		if !ok {
			t.Errorf("%s: the request body is not application/json", o.key)
			continue
		}
		check(deref(t, doc, media["schema"], o.key+" request"), o.key+" request", 0)
	}
}
