package udf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/runtime/types"
)

// apertiumForTest is a provider on the Apertium installed on this machine;
// without it the test is skipped, loudly (CI=true turns a skipped
// TestIntegration* test into a failure).
func apertiumForTest(t testing.TB) *apertiumProvider {
	t.Helper()
	p, err := newApertiumProvider(ApertiumConfig{})
	if err == nil && p.setup.findMode(apertiumLang{code: "eng"}, apertiumLang{code: "spa"}) == nil {
		err = fmt.Errorf("the English-Spanish pair is missing (installed: %v)", p.setup.pairs())
	}
	if err != nil {
		t.Skipf("APERTIUM IS NOT INSTALLED, SKIPPING: %v -- install it with: apt-get install -y apertium apertium-eng-spa", err)
	}
	t.Cleanup(p.Close)
	return p
}

func translateOK(t testing.TB, p *apertiumProvider, lang string, texts ...string) []string {
	t.Helper()
	res, fail := p.Translate(context.Background(), lang, "", texts)
	if fail != nil {
		t.Fatalf("Translate(%s, %q): %v", lang, texts, fail.err)
	}
	if len(res.Texts) != len(texts) {
		t.Fatalf("Translate(%s, %q): %d translations", lang, texts, len(res.Texts))
	}
	if res.InputTokens != 0 || res.OutputTokens != 0 {
		t.Errorf("tokens %d/%d, want 0", res.InputTokens, res.OutputTokens)
	}
	return res.Texts
}

func TestIntegrationApertiumTranslatesEnglishToSpanish(t *testing.T) {
	p := apertiumForTest(t)
	got := translateOK(t, p, "es", "The cat is black")[0]
	if got != "El gato es negro" {
		t.Errorf("The cat is black -> %q, want %q", got, "El gato es negro")
	}
	// A variant code of the target, and the other way round.
	if got := translateOK(t, p, "es-MX", "I have a red car.")[0]; !strings.Contains(got, "coche rojo") {
		t.Errorf("I have a red car. -> %q, want coche rojo", got)
	}
	es, err := newApertiumProvider(ApertiumConfig{SourceLanguage: "es"})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	if got := translateOK(t, es, "en", "El perro es blanco.")[0]; got != "The dog is white." {
		t.Errorf("El perro es blanco. -> %q", got)
	}
	if p.Name() != "apertium" || p.Budgeted() || p.MaxBatch() != 64 {
		t.Errorf("Name %q Budgeted %v MaxBatch %d", p.Name(), p.Budgeted(), p.MaxBatch())
	}
}

var apertiumTestSentences = []string{
	"The cat is black",
	"I have a red car.",
	"Where is the station?",
	"My brother lives in a big house",
	"The dog eats the bread",
	"We are going to the beach tomorrow!",
	"She reads a book every night",
	"The weather is very good today",
	"Do you want a coffee?",
	"Thank you very much",
}

func TestIntegrationApertiumBatchKeepsOrder(t *testing.T) {
	p := apertiumForTest(t)
	var alone []string
	for _, s := range apertiumTestSentences {
		alone = append(alone, translateOK(t, p, "es", s)[0])
	}
	batch := translateOK(t, p, "es", apertiumTestSentences...)
	for i := range batch {
		if batch[i] != alone[i] {
			t.Errorf("text %d %q: %q in a batch, %q alone", i, apertiumTestSentences[i], batch[i], alone[i])
		}
	}
	for i, want := range map[int]string{0: "gato", 1: "coche", 2: "Dónde", 4: "perro", 6: "libro", 9: "gracias"} {
		if !strings.Contains(batch[i], want) {
			t.Errorf("text %d %q -> %q, want %q in it", i, apertiumTestSentences[i], batch[i], want)
		}
	}
	// Blank texts and the whitespace around texts are kept as they are.
	got := translateOK(t, p, "es", "", "  \n", "  The cat is black\n", "line one\nline two")
	if got[0] != "" || got[1] != "  \n" || got[2] != "  "+alone[0]+"\n" {
		t.Errorf("blank and padded texts: %q", got)
	}
	// each line is a sentence; the second keeps its lower-case start
	if got[3] != "línea un\nlínea dos" {
		t.Errorf("two lines -> %q", got[3])
	}
}

func TestIntegrationApertiumConcurrentCalls(t *testing.T) {
	p := apertiumForTest(t)
	want := translateOK(t, p, "es", apertiumTestSentences...)
	var wg sync.WaitGroup
	errs := make(chan error, 8*10)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				// each goroutine its own mix: one text, or a rotated batch
				n := 1 + (g+k)%len(apertiumTestSentences)
				idx := make([]int, n)
				texts := make([]string, n)
				for j := range idx {
					idx[j] = (g*3 + k + j) % len(apertiumTestSentences)
					texts[j] = apertiumTestSentences[idx[j]]
				}
				res, fail := p.Translate(context.Background(), "es", "", texts)
				if fail != nil {
					errs <- fail.err
					return
				}
				for j, i := range idx {
					if res.Texts[j] != want[i] {
						errs <- fmt.Errorf("goroutine %d: %q -> %q, want %q", g, texts[j], res.Texts[j], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestIntegrationApertiumKeepsMentionsURLsEmoji(t *testing.T) {
	p := apertiumForTest(t)
	tests := []struct {
		in   string
		keep []string
		want string // the whole translation, when pinned
	}{
		{"@alice check https://example.com 😂", []string{"@alice ", " https://example.com 😂"}, "@alice control https://example.com 😂"},
		{"@bob_the_cat says the cat is black", []string{"@bob_the_cat", "gato", "negro"}, "@bob_the_cat dice el gato es negro"},
		{"see https://example.com/the/black/cat?q=house&x=1, ok?", []string{"https://example.com/the/black/cat?q=house&x=1,"}, ""},
		{"mail john.the_cat@house.com about #blackcat 🎉🎉", []string{"john.the_cat@house.com", "#blackcat", "🎉🎉"}, ""},
		{"love 👨‍👩‍👧 and 🇪🇸 ❤️ the cat 👍🏽", []string{"👨‍👩‍👧", "🇪🇸", "❤️", "gato", "👍🏽"}, ""},
		{"stream chars [x] x^b$c {y} <z> \\ ~ end", []string{"[x]", "x^b$c", "{y}", "<z>", "\\", "~"}, ""},
		{"The cat is black  and\tthe dog is white", []string{"negro  y\t"}, "El gato es negro  y\tel perro es blanco"},
	}
	for _, tt := range tests {
		got := translateOK(t, p, "es", tt.in)[0]
		for _, k := range tt.keep {
			if !strings.Contains(got, k) {
				t.Errorf("%q -> %q: %q is not kept", tt.in, got, k)
			}
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("%q -> %q, want %q", tt.in, got, tt.want)
		}
		t.Logf("%q -> %q", tt.in, got)
	}
}

func TestIntegrationApertiumDetector(t *testing.T) {
	p := apertiumForTest(t)
	p.detect = func(text string) (string, bool) {
		switch {
		case strings.Contains(text, "gato"):
			return "es", true
		case strings.Contains(text, "chat"):
			return "fr", true // no fr-en pair: the source language (en) is used
		}
		return "", false
	}
	got := translateOK(t, p, "en", "El gato es negro", "The dog is white", "le chat")
	if got[0] != "The cat is black" || got[1] != "The dog is white" || got[2] != "le chat" {
		t.Errorf("detected languages: %q", got)
	}
	// into Spanish: the Spanish text stays, the English one is translated
	got = translateOK(t, p, "es", "El gato es negro", "The dog is white")
	if got[0] != "El gato es negro" || got[1] != "El perro es blanco" {
		t.Errorf("into es: %q", got)
	}
}

func TestIntegrationApertiumAvailable(t *testing.T) {
	apertiumForTest(t)
	pairs, err := ApertiumAvailable()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"en-es", "es-en"} {
		found := false
		for _, p := range pairs {
			found = found || p == want
		}
		if !found {
			t.Errorf("ApertiumAvailable() = %v, want %s in it", pairs, want)
		}
	}
}

func TestIntegrationApertiumCancelAndRestart(t *testing.T) {
	p := apertiumForTest(t)
	translateOK(t, p, "es", "hello") // the pipeline is running
	var many []string
	for len(many) < 1000 {
		many = append(many, apertiumTestSentences...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, fail := p.Translate(ctx, "es", "", many)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a canceled call returned after %v", d)
	}
	if fail == nil {
		t.Fatalf("1000 texts translated in %v: nothing was canceled", time.Since(start))
	}
	if fail.err.Kind != FailureCanceled || !errors.Is(fail.err, context.Canceled) {
		t.Errorf("canceled call: %v (kind %s)", fail.err, fail.err.Kind)
	}
	if got := translateOK(t, p, "es", "The cat is black")[0]; got != "El gato es negro" {
		t.Errorf("after the cancel: %q", got)
	}
}

// fakeApertium installs a fake Apertium in a temporary directory: a stage
// program that turns "cat" into "gato", hangs on a text with HANG and dies
// on one with DIE, with null-flush (-z) or not; and modes using it.
// behaviour is "stream" or "nostream" (the program refuses -z).
func fakeApertium(t *testing.T, behaviour string) (ApertiumConfig, string) {
	t.Helper()
	dir := t.TempDir()
	stage := filepath.Join(dir, "fake-mt")
	starts := filepath.Join(dir, "starts.log")
	script := `#!/usr/bin/env bash
z=0
if [[ "$1" == -z ]]; then z=1; shift; fi
echo "start z=$z" >> "$2"
if [[ $z == 1 && "$1" == nostream ]]; then echo "fake-mt: invalid option -- 'z'" >&2; exit 1; fi
handle() {
	case "$1" in
	*HANG*) "$(dirname "$0")/fake-sleep" 600 ;;
	*DIE*) echo "fake-mt: died on purpose" >&2; exit 3 ;;
	esac
	out="${1//cat/gato}"
}
if [[ $z == 1 ]]; then
	while IFS= read -r -d '' rec; do handle "$rec"; printf '%s\0' "$out"; done
else
	handle "$(cat)"; printf '%s' "$out"
fi
`
	if err := os.WriteFile(stage, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/bin/sleep", filepath.Join(dir, "fake-sleep")); err != nil {
		t.Fatal(err)
	}
	cmd := filepath.Join(dir, "apertium")
	if err := os.WriteFile(cmd, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	modes := filepath.Join(dir, "modes")
	if err := os.Mkdir(modes, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"eng-spa", "spa-eng", "spa-eng_US"} {
		line := fmt.Sprintf("%s %s %s | cat\n", stage, behaviour, starts)
		if behaviour == "stream" {
			line = fmt.Sprintf("%s %s %s\n", stage, behaviour, starts) // cat has no -z
		}
		if err := os.WriteFile(filepath.Join(modes, m+".mode"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(modes, "eng-spa-tagger.mode"), []byte("false\n"), 0o644) // a debug mode: ignored
	return ApertiumConfig{Command: cmd, ModesDir: modes}, starts
}

func fakeProvider(t *testing.T, behaviour string) (*apertiumProvider, string) {
	t.Helper()
	cfg, starts := fakeApertium(t, behaviour)
	cfg.Timeout = 5 * time.Second
	p, err := newApertiumProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, starts
}

func countStarts(t *testing.T, log string) int {
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "start")
}

// processesRunning counts the processes whose command line mentions s.
func processesRunning(s string) int {
	n := 0
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, c := range cmdlines {
		if b, err := os.ReadFile(c); err == nil && strings.Contains(string(b), s) {
			n++
		}
	}
	return n
}

func TestApertiumStreamsThroughOneProcess(t *testing.T) {
	p, starts := fakeProvider(t, "stream")
	if pairs := p.setup.pairs(); strings.Join(pairs, " ") != "en-es es-en es-en_US" {
		t.Errorf("pairs %v", pairs)
	}
	for i := 0; i < 3; i++ {
		got := translateOK(t, p, "es", "the cat", "no change", "cat and cat, ok")
		if got[0] != "the gato" || got[1] != "no change" || got[2] != "gato and gato, ok" {
			t.Fatalf("call %d: %q", i, got)
		}
	}
	// es-en_US is another pipeline
	p.source = apertiumLang{code: "spa"}
	if got := translateOK(t, p, "en-US", "cat")[0]; got != "gato" {
		t.Errorf("en-US: %q", got)
	}
	p.source = apertiumLang{code: "eng"}
	if n := countStarts(t, starts); n != 2 {
		t.Errorf("%d pipelines started for 4 calls on 2 pairs, want 2", n)
	}
	p.Close()
	deadline := time.Now().Add(3 * time.Second)
	for processesRunning(filepath.Dir(starts)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := processesRunning(filepath.Dir(starts)); n > 0 {
		t.Errorf("%d processes still running after Close", n)
	}
	if _, fail := p.Translate(context.Background(), "es", "", []string{"cat"}); fail == nil || fail.err.Kind != FailureCanceled {
		t.Errorf("Translate after Close: %v", fail)
	}
}

func TestApertiumFallsBackWithoutNullFlush(t *testing.T) {
	p, starts := fakeProvider(t, "nostream")
	got := translateOK(t, p, "es", "the cat", "a [cat]", "", "cats\nand dogs")
	if got[0] != "the gato" || got[1] != "a [gato]" || got[2] != "" || got[3] != "gatos\nand dogs" {
		t.Errorf("one process per call: %q", got)
	}
	translateOK(t, p, "es", "cat")
	// the probe of the null-flush pipeline, then one process per call
	if n := countStarts(t, starts); n != 3 {
		t.Errorf("%d processes started, want 3 (probe + 2 calls)", n)
	}
	if p.slots["eng-spa"].streamErr == nil || !strings.Contains(p.slots["eng-spa"].streamErr.Error(), "invalid option") {
		t.Errorf("streamErr = %v", p.slots["eng-spa"].streamErr)
	}
}

func TestApertiumRestartsADeadPipeline(t *testing.T) {
	p, starts := fakeProvider(t, "stream")
	translateOK(t, p, "es", "cat")
	_, fail := p.Translate(context.Background(), "es", "", []string{"cat", "DIE now", "cat"})
	if fail == nil || fail.err.Kind != FailureServerError || !fail.retryable || !strings.Contains(fail.err.Error(), "died on purpose") {
		t.Fatalf("a dying pipeline: %+v", fail)
	}
	if got := translateOK(t, p, "es", "cat", "cat")[1]; got != "gato" {
		t.Errorf("after the restart: %q", got)
	}
	if n := countStarts(t, starts); n != 2 {
		t.Errorf("%d pipelines started, want 2", n)
	}
}

func TestApertiumHungPipelineIsKilled(t *testing.T) {
	p, starts := fakeProvider(t, "stream")
	translateOK(t, p, "es", "cat")

	// The caller's deadline passes: FailureTimeout, promptly, and the
	// pipeline (with the sleep it started) is killed.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, fail := p.Translate(ctx, "es", "", []string{"cat", "HANG", "cat"})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
	if fail == nil || fail.err.Kind != FailureTimeout || !errors.Is(fail.err, context.DeadlineExceeded) {
		t.Fatalf("hung pipeline: %+v", fail)
	}
	deadline := time.Now().Add(3 * time.Second)
	for processesRunning(filepath.Dir(starts)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := processesRunning(filepath.Dir(starts)); n > 0 {
		t.Errorf("%d processes of the hung pipeline still running", n)
	}

	// The provider's own timeout: FailureTimeout, retryable.
	p.timeout = 300 * time.Millisecond
	_, fail = p.Translate(context.Background(), "es", "", []string{"HANG"})
	if fail == nil || fail.err.Kind != FailureTimeout || !fail.retryable {
		t.Fatalf("attempt timeout: %+v", fail)
	}
	p.timeout = 5 * time.Second

	// Canceled before the call: at once, and no pipeline is touched.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, fail = p.Translate(ctx, "es", "", []string{"cat"}); fail == nil || fail.err.Kind != FailureCanceled {
		t.Errorf("canceled context: %+v", fail)
	}
	if got := translateOK(t, p, "es", "cat")[0]; got != "gato" {
		t.Errorf("after the kill: %q", got)
	}
}

func TestApertiumHungProbeFallsBack(t *testing.T) {
	cfg, starts := fakeApertium(t, "stream")
	// sort -z accepts null-flush but answers only at EOF: the probe gets
	// nothing
	os.WriteFile(filepath.Join(cfg.ModesDir, "eng-spa.mode"),
		[]byte(fmt.Sprintf("%s stream %s | sort\n", filepath.Join(filepath.Dir(starts), "fake-mt"), starts)), 0o644)
	p, err := newApertiumProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.probeTimeout = 300 * time.Millisecond
	got := translateOK(t, p, "es", "the cat", "cat")
	if got[0] != "the gato" || got[1] != "gato" {
		t.Errorf("after the fallback: %q", got)
	}
	if err := p.slots["eng-spa"].streamErr; err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("streamErr = %v", err)
	}
}

func TestApertiumLanguageErrors(t *testing.T) {
	p, starts := fakeProvider(t, "stream")
	tests := []struct{ lang, want string }{
		{"xx", "no en-xx language pair"},
		{"ca", "apt-get install apertium-eng-cat"},
		{"fr", "no en-fr language pair (installed in "},
		{"Klingon", "not a language code"},
		{"", "not a language code"},
	}
	for _, tt := range tests {
		_, fail := p.Translate(context.Background(), tt.lang, "", []string{"the cat"})
		if fail == nil || fail.err.Kind != FailureClientError || fail.retryable {
			t.Errorf("%q: %+v, want a client error, not retryable", tt.lang, fail)
			continue
		}
		if !strings.Contains(fail.err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q in it", tt.lang, fail.err, tt.want)
		}
	}
	if msg := fmt.Sprint(mustFail(p.Translate(context.Background(), "fr", "", []string{"x"}))); !strings.Contains(msg, "en-es, es-en, es-en_US") {
		t.Errorf("the error does not list the installed pairs: %s", msg)
	}
	// Same language: the text as it is, without Apertium.
	for _, lang := range []string{"en", "EN", "en-US", "en_GB", "eng", "English"} {
		if got := translateOK(t, p, lang, "the cat is here", "")[0]; got != "the cat is here" {
			t.Errorf("%s: %q", lang, got)
		}
	}
	if n := countStarts(t, starts); n != 0 {
		t.Errorf("%d pipelines started for calls that need none", n)
	}
}

func mustFail(_ providerResult, fail *attemptFailure) error {
	if fail == nil {
		return nil
	}
	return fail.err
}

func TestApertiumNotInstalled(t *testing.T) {
	_, err := newApertiumProvider(ApertiumConfig{Command: "chatsql-no-such-apertium"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install apertium apertium-eng-spa") {
		t.Errorf("missing command: %v", err)
	}
	cfg, _ := fakeApertium(t, "stream")
	cfg.ModesDir = t.TempDir()
	if _, err := newApertiumProvider(cfg); err == nil || !strings.Contains(err.Error(), "no language pair installed") ||
		!strings.Contains(err.Error(), "apt-get install apertium apertium-eng-spa") {
		t.Errorf("no modes: %v", err)
	}
	cfg, _ = fakeApertium(t, "stream")
	cfg.SourceLanguage = "de"
	if _, err := newApertiumProvider(cfg); err == nil || !strings.Contains(err.Error(), "source language deu") &&
		!strings.Contains(err.Error(), "source language de") {
		t.Errorf("no pair from the source language: %v", err)
	}
	cfg.SourceLanguage = "es"
	p, err := newApertiumProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if m := p.setup.findMode(p.source, apertiumLang{code: "eng"}); m == nil || m.name != "spa-eng" {
		t.Errorf("source es into en: %v", m)
	}
}

func TestApertiumLanguageCodes(t *testing.T) {
	tests := []struct {
		in            string
		code, variant string
	}{
		{"es", "spa", ""}, {"ES", "spa", ""}, {" es ", "spa", ""}, {"spa", "spa", ""}, {"Spanish", "spa", ""},
		{"pt-BR", "por", "BR"}, {"pt_br", "por", "br"}, {"en_US", "eng", "US"}, {"fre", "fra", ""},
		{"ca-valencia", "cat", "valencia"}, {"eu", "eus", ""}, {"oc", "oci", ""}, {"nl", "nld", ""},
		{"ro", "ron", ""}, {"eo", "epo", ""}, {"gl", "glg", ""}, {"de", "deu", ""}, {"it", "ita", ""},
		{"xx", "xx", ""}, {"sme", "sme", ""}, {"norwegian bokmål", "nob", ""},
	}
	for _, tt := range tests {
		l, ok := parseApertiumLang(tt.in)
		if !ok || l.code != tt.code || l.variant != tt.variant {
			t.Errorf("parseApertiumLang(%q) = %+v, %v; want %s/%s", tt.in, l, ok, tt.code, tt.variant)
		}
	}
	for _, bad := range []string{"", "Klingon", "e", "12", "es-??"} {
		if l, ok := parseApertiumLang(bad); ok {
			t.Errorf("parseApertiumLang(%q) = %+v, want not a language", bad, l)
		}
	}
	s := &apertiumSetup{}
	for _, name := range []string{"eng-spa", "spa-eng", "spa-eng_US", "en-ca", "cat-spa", "spa-cat_valencia", "hbs-eng", "eng-hbs"} {
		m := apertiumModeName.FindStringSubmatch(name + ".mode")
		s.modes = append(s.modes, &apertiumMode{name: name,
			src: apertiumLang{code: apertiumCode(m[1]), variant: m[2]}, tgt: apertiumLang{code: apertiumCode(m[3]), variant: m[4]}})
	}
	picks := []struct{ src, tgt, want string }{
		{"en", "es", "eng-spa"}, {"es", "en", "spa-eng"}, {"es", "en-GB", "spa-eng"}, {"es", "en-us", "spa-eng_US"},
		{"en", "ca", "en-ca"}, {"es", "ca-valencia", "spa-cat_valencia"}, {"es", "ca", "spa-cat_valencia"}, {"hr", "en", "hbs-eng"},
		{"en", "sr", "eng-hbs"}, {"fr", "es", ""},
	}
	for _, pk := range picks {
		src, _ := parseApertiumLang(pk.src)
		tgt, _ := parseApertiumLang(pk.tgt)
		m := s.findMode(src, tgt)
		if got := ""; m != nil {
			got = m.name
			if got != pk.want {
				t.Errorf("%s -> %s: mode %s, want %q", pk.src, pk.tgt, got, pk.want)
			}
		} else if pk.want != "" {
			t.Errorf("%s -> %s: no mode, want %s", pk.src, pk.tgt, pk.want)
		}
	}
	if p := (&apertiumMode{src: apertiumLang{code: "spa"}, tgt: apertiumLang{code: "eng", variant: "US"}}).pair(); p != "es-en_US" {
		t.Errorf("pair name %q", p)
	}
}

func TestApertiumFormatRoundTrip(t *testing.T) {
	// What Apertium would give back untranslated comes back as the text.
	for _, s := range []string{
		"The cat is black", "The cat is black.", "Is it?", "a\tb  c\n\nd", "x\r\ny",
		`[x] a^b$c/d<e>f{g}h\i @ ~ # * + | % _ .[] [] \[\]`,
		"@alice check https://example.com/a_b?c=[1] 😂", "mail a.b@c.io, #tag!", "@bob.", "(see www.x.org/a_(b))",
		"tell @bob\nabout https://x.io\n", "ends with https://x.io", "...", "😂",
	} {
		core := splitApertiumText(s)
		stream := apertiumDeformat(core.core)
		if strings.ContainsAny(stream, "\x00") {
			t.Errorf("%q: NUL in the stream", s)
		}
		if got := core.join(apertiumReformat(stream)); got != s {
			t.Errorf("%q -> %q -> %q", s, stream, got)
		}
	}
	// Protected tokens are superblanks; trailing punctuation is not theirs.
	tests := map[string]string{
		"@bob_the_cat hi":            `[\@bob_the_cat ]hi.[]`,
		"see https://x.io/a, ok":     `see[ https:\/\/x.io\/a], ok.[]`,
		"hi a@b":                     `hi a\@b.[]`,
		"mail jo@x.com.":             `mail[ jo\@x.com]..[]`,
		"one\ntwo":                   `one.[][` + "\n" + `]two.[]`,
		"a  b":                       `a[  ]b.[]`,
		"x ~ y":                      `x [~] y.[]`,
		"#tag":                       `[#tag].[]`,
		"Hello world!\nHow are you?": "Hello world!.[][\n]How are you?.[]",
	}
	for in, want := range tests {
		if got := apertiumDeformat(in); got != want {
			t.Errorf("apertiumDeformat(%q) = %q, want %q", in, got, want)
		}
	}
	// A word dropped by Apertium leaves two spaces; the source had one.
	if got := apertiumReformat("y  soy aquí.[]"); got != "y soy aquí" {
		t.Errorf("double space: %q", got)
	}
	for _, c := range [][3]string{
		{"the cat", " El gato ", "el gato"},
		{"The cat", "El gato", "El gato"},
		{"@alice check", "@alice Control", "@alice control"},
		{"@a @b ok\nyes", "@a @b Vale\nSí", "@a @b vale\nsí"},
		{"@alice check", "Control @alice", "Control @alice"}, // moved: left alone
		{"1 cat", "1 Gato", "1 Gato"},
	} {
		if got := (apertiumText{core: c[0]}).join(c[1]); got != c[2] {
			t.Errorf("case of the first letter: %q -> %q, want %q", c[0], got, c[2])
		}
	}
}

// BenchmarkApertiumTranslate measures short chat lines per second through
// one pipeline, one text per call and 64 per call.
func BenchmarkApertiumTranslate(b *testing.B) {
	p := apertiumForTest(b)
	lines := []string{
		"hey, are you coming tonight?", "lol that was so funny 😂", "@alice check https://example.com",
		"I can't find my keys", "see you tomorrow at the station", "the game starts at 8",
		"who wants pizza?", "my cat is sleeping on the keyboard", "thanks for the help!", "good morning everyone",
	}
	translateOK(b, p, "es", lines...) // start the pipeline
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			texts := make([]string, batch)
			n := 0
			for b.Loop() {
				for j := range texts {
					texts[j] = lines[(n+j)%len(lines)]
				}
				n += batch
				if _, fail := p.Translate(context.Background(), "es", "", texts); fail != nil {
					b.Fatal(fail.err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}

// TRANSLATE with translation.provider = 'apertium' goes through the
// service (batching, cache) to this provider.
func TestIntegrationApertiumThroughTranslate(t *testing.T) {
	apertiumForTest(t)
	f, ok := Default.Async("translate")
	if !ok {
		t.Fatal("TRANSLATE is not registered")
	}
	c, err := f.New(Env{JobID: "apertium-" + t.Name(), Logf: t.Logf, Settings: map[string]string{
		SettingTranslationProvider:       ProviderApertium,
		SettingTranslationApertiumSource: "en",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type result struct {
		v   string
		err error
	}
	texts := []string{"The cat is black", "The dog eats the bread", "The cat is black"}
	want := []string{"El gato es negro", "El perro come el pan", "El gato es negro"}
	ch := make([]chan result, len(texts))
	for i, text := range texts {
		ch[i] = make(chan result, 1)
		c.Call(context.Background(), []types.Value{types.NewString(text), types.NewString("es")}, func(v types.Value, err error) {
			ch[i] <- result{v.Str(), err}
		})
	}
	for i := range texts {
		select {
		case r := <-ch[i]:
			if r.err != nil || r.v != want[i] {
				t.Errorf("TRANSLATE(%q, 'es') = %q, %v; want %q", texts[i], r.v, r.err, want[i])
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("TRANSLATE(%q) never answered", texts[i])
		}
	}
}
