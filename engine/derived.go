package engine

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// DerivedKey is the key under which Prepare gives each vulnerability of the
// input the parts of its finding that do not depend on the rule reporting
// it: the message up to the rule's own ending ("msg"), what the
// fingerprint hashes after the rule id ("key") and the finding's other
// fields ("fields"). A large input has thousands of vulnerabilities, and
// building these in Rego was most of an evaluation; here it is a few
// string joins each. The policies use it when it is there and build the
// same from the fact when it is not (policy unit tests, `opa test`), so
// the decision is the same either way (TestDerivedSameDecision). The
// schema allows no such key in a document: it is relgate's, never the
// user's, and it is not part of the input's digest.
const DerivedKey = "finding"

// The keys derivedFinding reads and writes, made once.
var (
	derivedKey          = ast.StringTerm(DerivedKey)
	keyAliases          = ast.StringTerm("aliases")
	keyCVE              = ast.StringTerm("cve")
	keyCWE              = ast.StringTerm("cwe")
	keyCWEs             = ast.StringTerm("cwes")
	keyDiffID           = ast.StringTerm("diff_id")
	keyEcosystem        = ast.StringTerm("ecosystem")
	keyEndLine          = ast.StringTerm("end_line")
	keyFields           = ast.StringTerm("fields")
	keyFixedVersion     = ast.StringTerm("fixed_version")
	keyFixedVersions    = ast.StringTerm("fixed_versions")
	keyID               = ast.StringTerm("id")
	keyImage            = ast.StringTerm("image")
	keyInChange         = ast.StringTerm("in_change")
	keyInstalledVersion = ast.StringTerm("installed_version")
	keyKey              = ast.StringTerm("key")
	keyLayer            = ast.StringTerm("layer")
	keyLocation         = ast.StringTerm("location")
	keyMsg              = ast.StringTerm("msg")
	keyName             = ast.StringTerm("name")
	keyPackage          = ast.StringTerm("package")
	keyPath             = ast.StringTerm("path")
	keySource           = ast.StringTerm("source")
	keyStartLine        = ast.StringTerm("start_line")
	keySummary          = ast.StringTerm("summary")
	keyVersion          = ast.StringTerm("version")
	keyVulnerabilities  = ast.StringTerm("vulnerabilities")
)

// deriveFindings adds DerivedKey to every vulnerability of the input value
// whose fields have the types the schema gives them. One that does not is
// left as it is: the policies then build its finding, or fail, as they
// would without this.
func deriveFindings(v ast.Value) {
	doc, ok := v.(ast.Object)
	if !ok {
		return
	}
	t := doc.Get(keyVulnerabilities)
	if t == nil {
		return
	}
	vulns, ok := t.Value.(*ast.Array)
	if !ok {
		return
	}
	elems := make([]*ast.Term, vulns.Len())
	for i := range vulns.Len() {
		elems[i] = vulns.Elem(i)
		if o, ok := elems[i].Value.(ast.Object); ok && o.Get(derivedKey) == nil {
			if d := derivedFinding(o); d != nil {
				o.Insert(derivedKey, ast.NewTerm(d))
			}
		}
	}
	// An array keeps its elements' hashes: a new one, with the new hashes.
	doc.Insert(keyVulnerabilities, ast.ArrayTerm(elems...))
}

// derivedFinding mirrors result() in policies/rules/vulnerabilities.rego;
// nil when a field it reads is missing or of another type.
func derivedFinding(v ast.Object) ast.Object {
	str := func(o ast.Object, key *ast.Term, def string) (string, bool) {
		t := o.Get(key)
		if t == nil {
			return def, true
		}
		s, ok := t.Value.(ast.String)
		return string(s), ok
	}
	strs := func(key *ast.Term) (*ast.Term, []string, bool) {
		t := v.Get(key)
		if t == nil {
			return ast.ArrayTerm(), nil, true
		}
		a, ok := t.Value.(*ast.Array)
		if !ok {
			return nil, nil, false
		}
		out := make([]string, 0, a.Len())
		for i := range a.Len() {
			s, ok := a.Elem(i).Value.(ast.String)
			if !ok {
				return nil, nil, false
			}
			out = append(out, string(s))
		}
		return t, out, true
	}
	pkgTerm := v.Get(keyPackage)
	if pkgTerm == nil {
		return nil
	}
	pkg, ok := pkgTerm.Value.(ast.Object)
	if !ok {
		return nil
	}
	idTerm := v.Get(keyID)
	nameTerm, versionTerm, ecoTerm := pkg.Get(keyName), pkg.Get(keyVersion), pkg.Get(keyEcosystem)
	if idTerm == nil || nameTerm == nil || versionTerm == nil || ecoTerm == nil {
		return nil
	}
	id, ok1 := idTerm.Value.(ast.String)
	name, ok2 := nameTerm.Value.(ast.String)
	version, ok3 := versionTerm.Value.(ast.String)
	eco, ok4 := ecoTerm.Value.(ast.String)
	img, ok5 := str(v, keyImage, "")
	summary, ok6 := str(v, keySummary, "")
	source, ok7 := str(v, keySource, "")
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !ok7 {
		return nil
	}
	aliasesTerm, aliases, ok := strs(keyAliases)
	if !ok {
		return nil
	}
	_, fixed, ok := strs(keyFixedVersions)
	if !ok {
		return nil
	}
	// The location with a default for each key it lacks, as
	// object.union({"path": "", "start_line": 0, "end_line": 0}, location).
	loc := ast.NewObject()
	var locOf ast.Object
	if t := v.Get(keyLocation); t != nil {
		if locOf, ok = t.Value.(ast.Object); !ok {
			return nil
		}
	}
	path := ""
	for _, k := range []*ast.Term{keyPath, keyStartLine, keyEndLine} {
		if locOf == nil || locOf.Get(k) == nil {
			if k == keyPath {
				loc.Insert(k, ast.InternedTerm(""))
			} else {
				loc.Insert(k, ast.InternedTerm(0))
			}
		}
	}
	if locOf != nil {
		if t := locOf.Get(keyPath); t != nil {
			s, ok := t.Value.(ast.String)
			if !ok {
				return nil
			}
			path = string(s)
		}
		locOf.Foreach(func(k, t *ast.Term) { loc.Insert(k, t) })
	}
	layer := ast.InternedTerm("")
	if t := v.Get(keyLayer); t != nil {
		o, ok := t.Value.(ast.Object)
		if !ok {
			return nil
		}
		if d := o.Get(keyDiffID); d != nil {
			layer = d
		}
	}
	cwe := v.Get(keyCWEs)
	if cwe == nil {
		cwe = ast.ArrayTerm()
	}
	inChange := ast.InternedTerm(true)
	if source == "osv" {
		if t := v.Get(keyInChange); t != nil {
			inChange = t
		}
	}

	var msg strings.Builder
	for _, s := range []string{string(name), " ", string(version), " (", string(eco), ") in "} {
		msg.WriteString(s)
	}
	if img != "" {
		msg.WriteString("image " + img)
	} else {
		msg.WriteString(path)
	}
	msg.WriteString(" has ")
	msg.WriteString(string(id))
	if len(aliases) > 0 {
		msg.WriteString(" (" + strings.Join(aliases, ", ") + ")")
	}
	if summary != "" {
		msg.WriteString(": " + summary)
	}
	msg.WriteString("; ")
	if len(fixed) > 0 {
		msg.WriteString("fixed in " + strings.Join(fixed, ", "))
	} else {
		msg.WriteString("no fixed version yet")
	}
	cve := ""
	for _, a := range append([]string{string(id)}, aliases...) {
		if strings.HasPrefix(a, "CVE-") {
			cve = a
			break
		}
	}
	fields := ast.NewObject(
		ast.Item(keyLocation, ast.NewTerm(loc)),
		ast.Item(keyPackage, nameTerm),
		ast.Item(keyID, idTerm),
		ast.Item(keyInChange, inChange),
		ast.Item(keyInstalledVersion, versionTerm),
		ast.Item(keyFixedVersion, ast.StringTerm(strings.Join(fixed, ", "))),
		ast.Item(keyAliases, aliasesTerm),
		ast.Item(keyCVE, ast.StringTerm(cve)),
		ast.Item(keyCWE, cwe),
		ast.Item(keyLayer, layer),
	)
	if img != "" {
		fields.Insert(keyImage, ast.StringTerm(img))
	}
	key := strings.Join([]string{source, img, path, string(eco), string(name), string(version), string(id)}, "|")
	return ast.NewObject(
		ast.Item(keyMsg, ast.StringTerm(msg.String())),
		ast.Item(keyKey, ast.StringTerm(key)),
		ast.Item(keyFields, ast.NewTerm(fields)),
	)
}
