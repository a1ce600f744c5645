package udf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The apertium provider translates with the Apertium rule-based machine
// translation engine (https://www.apertium.org), installed from the
// distribution (Debian: apt-get install apertium apertium-eng-spa). It needs
// no network and no LLM, and costs nothing per request.
//
// How it drives Apertium. A language pair is a "mode": a shell pipeline of
// a dozen tools (analyser, tagger, transfer, generator), described by
// <modes>/<pair>.mode. The apertium command runs it behind a deformatter
// that cannot stream: with -z (null-flush) and -f txt, apertium-destxt drops
// the NUL separators, so the texts run into each other; with -f none, the
// gawk wrapper of apertium 3.8 buffers its input and nothing comes back
// before EOF. So the provider runs the mode pipeline itself, every tool in
// null-flush mode (apertium-wblank-mode -z, or -z added to each tool when
// that is missing), as one long-running process per pair, and does the
// deformatting (escaping) and reformatting in Go. A text is sent as one
// frame ended by "\x00", and comes back as one frame ended by "\x00"; a
// superblank [chatsql-N] at the end of each frame checks that answers and
// texts stay in step. When a pipeline does not answer in null-flush mode,
// the pair falls back to one process per Translate call, all texts in one
// input, split by the same superblanks.

// ApertiumConfig configures the apertium provider.
type ApertiumConfig struct {
	// Command is the apertium command; default "apertium". Its directory
	// is put first in PATH for the pipeline's tools (lt-proc, ...).
	Command string
	// ModesDir holds the <pair>.mode files. Default: where apertium itself
	// looks: $APERTIUM_DATADIR/modes, else <prefix>/share/apertium/modes for
	// the command's <prefix>/bin, else /usr/share/apertium/modes.
	ModesDir string
	// SourceLanguage is the language of the texts when the provider has no
	// detector or the detector cannot tell; default "en".
	SourceLanguage string
	// Timeout bounds one Translate call; default 30s. A pipeline that has
	// not answered by then is killed and the call fails with FailureTimeout.
	Timeout time.Duration
}

const (
	apertiumDefaultCommand = "apertium"
	apertiumDefaultSource  = "en"
	apertiumDefaultTimeout = 30 * time.Second
	apertiumMaxBatch       = 64
	// apertiumProbeTimeout bounds the first answer of a new pipeline
	// (loading the transducers takes about 0.2 s).
	apertiumProbeTimeout = 20 * time.Second
	apertiumInstallHint  = "apt-get install apertium apertium-eng-spa"
)

func init() {
	newApertiumHook = func(cfg TranslateConfig) (translateProvider, error) {
		p, err := newApertiumProvider(ApertiumConfig{SourceLanguage: cfg.ApertiumSource, Timeout: cfg.Timeout})
		if err != nil {
			return nil, err
		}
		// the source language of each text, when the identifier is sure
		p.detect = func(text string) (string, bool) {
			lang, conf := DetectLanguage(text)
			return lang, lang != "" && conf >= sameLanguageMinConfidence
		}
		return p, nil
	}
}

// apertiumLang is a language as Apertium names it: an ISO 639-3 code (or
// whatever code a mode uses that we cannot map) and an optional variant
// ("US" of spa-eng_US, "valencia" of cat_valencia).
type apertiumLang struct {
	code, variant string
}

func (l apertiumLang) String() string {
	s := apertiumISO1[l.code]
	if s == "" {
		s = l.code
	}
	if l.variant != "" {
		s += "_" + l.variant
	}
	return s
}

// apertiumLanguageTable: ISO 639-1, ISO 639-3 (Apertium's codes), English
// name. Codes that are not here still work when a mode uses the same code.
const apertiumLanguageTable = `
af afr afrikaans
an arg aragonese
ar ara arabic
az aze azerbaijani
ba bak bashkir
be bel belarusian
bg bul bulgarian
br bre breton
bs bos bosnian
ca cat catalan
co cos corsican
cs ces czech
cy cym welsh
da dan danish
de deu german
el ell greek
en eng english
eo epo esperanto
es spa spanish
et est estonian
eu eus basque
fi fin finnish
fo fao faroese
fr fra french
ga gle irish
gd gla gaelic
gl glg galician
he heb hebrew
hi hin hindi
hr hrv croatian
hu hun hungarian
id ind indonesian
is isl icelandic
it ita italian
ja jpn japanese
kk kaz kazakh
ky kir kyrgyz
la lat latin
lt lit lithuanian
lv lav latvian
mk mkd macedonian
ms msa malay
mt mlt maltese
nb nob bokmål
nl nld dutch
nn nno nynorsk
no nor norwegian
oc oci occitan
pl pol polish
pt por portuguese
ro ron romanian
ru rus russian
sc srd sardinian
se sme sami
sh hbs serbo-croatian
sk slk slovak
sl slv slovenian
sq sqi albanian
sr srp serbian
sv swe swedish
tr tur turkish
tt tat tatar
uk ukr ukrainian
ur urd urdu
uz uzb uzbek
zh zho chinese
- ast asturian
- frp arpitan
- szl silesian
`

var (
	apertiumISO3 = map[string]string{} // ISO 639-1, English name and bibliographic code -> ISO 639-3
	apertiumISO1 = map[string]string{} // ISO 639-3 -> ISO 639-1
	// apertiumAlternates are codes a pair may use for the same language.
	apertiumAlternates = map[string][]string{
		"hrv": {"hbs"}, "srp": {"hbs"}, "bos": {"hbs"},
		"nor": {"nob"}, "nob": {"nor"},
		"msa": {"zlm"}, "zlm": {"msa"},
	}
	// apertiumDebianPackages are the Debian packages of Apertium pairs
	// (both directions), by their two codes in ISO 639-3, sorted.
	apertiumDebianPackages = map[[2]string]string{}
)

func init() {
	for _, line := range strings.Split(strings.TrimSpace(apertiumLanguageTable), "\n") {
		f := strings.Fields(line)
		iso1, iso3, name := f[0], f[1], f[2]
		if iso1 != "-" {
			apertiumISO3[iso1] = iso3
			apertiumISO1[iso3] = iso1
		}
		apertiumISO3[name] = iso3
	}
	for b, t := range map[string]string{"fre": "fra", "ger": "deu", "rum": "ron", "baq": "eus", "dut": "nld",
		"ice": "isl", "mac": "mkd", "alb": "sqi", "cze": "ces", "slo": "slk", "gre": "ell", "wel": "cym",
		"chi": "zho", "may": "msa", "castilian": "spa", "valencian": "cat", "norwegian bokmål": "nob"} {
		apertiumISO3[b] = t
	}
	// apt-cache search '^apertium-' on Debian 13, transitional packages left out.
	for _, pkg := range strings.Fields(`afr-nld arg-cat bel-rus br-fr cat-ita cat-srd dan-nor en-gl eng-cat eng-spa
		eo-ca eo-en eo-es eo-fr es-gl es-pt es-ro eu-en eu-es fr-es fra-cat fra-frp hbs-eng hbs-mkd hbs-slv ind-zlm
		isl-eng isl-swe mkd-bul mkd-eng nno-nob oc-ca oc-es oci-fra pol-szl por-cat pt-gl rus-ukr spa-arg spa-ast
		spa-cat spa-ita srd-ita swe-dan swe-nor urd-hin`) {
		a, b, _ := strings.Cut(pkg, "-")
		apertiumDebianPackages[apertiumPairKey(apertiumCode(a), apertiumCode(b))] = "apertium-" + pkg
	}
}

// apertiumCode maps a 2-letter code (or a name, or a bibliographic code) to
// the 3-letter code; anything else is returned as is.
func apertiumCode(s string) string {
	if c, ok := apertiumISO3[s]; ok {
		return c
	}
	return s
}

func apertiumPairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// parseApertiumLang reads a language as users write it: "es", "ES",
// "pt-BR", "en_US", "spa", "Spanish".
func parseApertiumLang(s string) (apertiumLang, bool) {
	s = strings.TrimSpace(s)
	if l, ok := apertiumISO3[strings.ToLower(s)]; ok { // a name with a space ("norwegian bokmål")
		return apertiumLang{code: l}, true
	}
	base, variant := s, ""
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		base, variant = s[:i], s[i+1:]
	}
	base = strings.ToLower(base)
	if base == "" || strings.IndexFunc(base, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 ||
		strings.IndexFunc(variant, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' }) >= 0 {
		return apertiumLang{}, false
	}
	code := apertiumCode(base)
	if n := utf8.RuneCountInString(code); (n < 2 || n > 3) && code == base {
		return apertiumLang{}, false // neither a code nor a name we know
	}
	return apertiumLang{code: code, variant: variant}, true
}

func apertiumCandidates(code string) []string {
	return append([]string{code}, apertiumAlternates[code]...)
}

// apertiumMode is one installed translation direction.
type apertiumMode struct {
	name     string // "spa-eng_US"
	path     string // the .mode file
	src, tgt apertiumLang
}

func (m *apertiumMode) pair() string { return m.src.String() + "-" + m.tgt.String() }

var apertiumModeName = regexp.MustCompile(`^([a-z]{2,3})(?:_([A-Za-z0-9]+))?-([a-z]{2,3})(?:_([A-Za-z0-9]+))?\.mode$`)

// apertiumSetup is what newApertiumProvider and ApertiumAvailable find on
// the machine.
type apertiumSetup struct {
	command  string // resolved path of the apertium command
	binDir   string
	modesDir string
	modes    []*apertiumMode // sorted by name
}

func findApertium(cfg ApertiumConfig) (*apertiumSetup, error) {
	command := cfg.Command
	if command == "" {
		command = apertiumDefaultCommand
	}
	path, err := exec.LookPath(command)
	if err != nil {
		return nil, fmt.Errorf("apertium: command %q not found (%v): install Apertium and a language pair, e.g. %s", command, err, apertiumInstallHint)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return nil, fmt.Errorf("apertium: bash, which runs the Apertium mode pipelines, is not installed: %v", err)
	}
	s := &apertiumSetup{command: path, binDir: filepath.Dir(path)}
	var dirs []string
	if cfg.ModesDir != "" {
		dirs = []string{cfg.ModesDir}
	} else {
		if d := os.Getenv("APERTIUM_DATADIR"); d != "" {
			dirs = append(dirs, filepath.Join(d, "modes"))
		}
		real := path
		if r, err := filepath.EvalSymlinks(path); err == nil {
			real = r
		}
		dirs = append(dirs, filepath.Join(filepath.Dir(filepath.Dir(real)), "share", "apertium", "modes"),
			"/usr/share/apertium/modes", "/usr/local/share/apertium/modes")
	}
	for _, dir := range dirs {
		modes, err := readApertiumModes(dir)
		if err == nil && len(modes) > 0 {
			s.modesDir, s.modes = dir, modes
			return s, nil
		}
	}
	return nil, fmt.Errorf("apertium: no language pair installed (no <pair>.mode file in %s): install one, e.g. %s",
		strings.Join(dirs, ", "), apertiumInstallHint)
}

func readApertiumModes(dir string) ([]*apertiumMode, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var modes []*apertiumMode
	for _, e := range entries {
		m := apertiumModeName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue // debug modes (eng-spa-tagger.mode) and other files
		}
		modes = append(modes, &apertiumMode{
			name: strings.TrimSuffix(e.Name(), ".mode"),
			path: filepath.Join(dir, e.Name()),
			src:  apertiumLang{code: apertiumCode(m[1]), variant: m[2]},
			tgt:  apertiumLang{code: apertiumCode(m[3]), variant: m[4]},
		})
	}
	sort.Slice(modes, func(i, j int) bool { return modes[i].name < modes[j].name })
	return modes, nil
}

// ApertiumAvailable lists the language pairs of the installed Apertium as
// ISO 639-1 codes where there is one ("en-es", "es-en", "es-en_US"), or
// says why Apertium cannot be used (not installed, no pair).
func ApertiumAvailable() (pairs []string, err error) {
	s, err := findApertium(ApertiumConfig{})
	if err != nil {
		return nil, err
	}
	return s.pairs(), nil
}

func (s *apertiumSetup) pairs() []string {
	out := make([]string, 0, len(s.modes))
	for _, m := range s.modes {
		out = append(out, m.pair())
	}
	return out
}

// findMode picks the mode translating src into tgt: the variants asked for
// when installed, else the plain pair, else any variant.
func (s *apertiumSetup) findMode(src, tgt apertiumLang) *apertiumMode {
	score := func(want, have string) int {
		switch {
		case strings.EqualFold(want, have):
			return 2
		case have == "":
			return 1
		}
		return 0
	}
	for _, sc := range apertiumCandidates(src.code) {
		for _, tc := range apertiumCandidates(tgt.code) {
			var best *apertiumMode
			bestScore := -1
			for _, m := range s.modes {
				if m.src.code != sc || m.tgt.code != tc {
					continue
				}
				if v := 3*score(tgt.variant, m.tgt.variant) + score(src.variant, m.src.variant); v > bestScore {
					best, bestScore = m, v
				}
			}
			if best != nil {
				return best
			}
		}
	}
	return nil
}

// missingPair explains how to get a pair that is not installed.
func (s *apertiumSetup) missingPair(src, tgt apertiumLang) error {
	hint := "no Debian package is known for it (apt-cache search apertium- lists the pairs)"
	for _, sc := range apertiumCandidates(src.code) {
		for _, tc := range apertiumCandidates(tgt.code) {
			if pkg, ok := apertiumDebianPackages[apertiumPairKey(sc, tc)]; ok {
				hint = "install it with: apt-get install " + pkg
			}
		}
	}
	return fmt.Errorf("apertium has no %s-%s language pair (installed in %s: %s); %s",
		apertiumLang{code: src.code}, apertiumLang{code: tgt.code}, s.modesDir, strings.Join(s.pairs(), ", "), hint)
}

// apertiumProvider is the translateProvider on Apertium.
type apertiumProvider struct {
	setup   *apertiumSetup
	source  apertiumLang
	timeout time.Duration
	// probeTimeout bounds the first answer of a new pipeline; without it
	// the pair falls back to one process per call.
	probeTimeout time.Duration
	env          []string
	// detect, when set, gives the language of each text; the provider then
	// uses the pair from that language, falling back to the configured
	// source language when detection fails or no such pair is installed.
	detect func(text string) (lang string, ok bool)

	mu     sync.Mutex
	slots  map[string]*apertiumSlot // by mode name
	closed bool
}

var _ translateProvider = (*apertiumProvider)(nil)

// apertiumSlot is the pipeline of one mode: one user at a time.
type apertiumSlot struct {
	mode *apertiumMode
	sem  chan struct{} // held by the call using proc
	// Set by the holder of sem; read by Close under provider.mu.
	proc        *apertiumProc
	streamErr   error // why null-flush streaming does not work; then one process per call
	zScript     string
	plainScript string
}

func newApertiumProvider(cfg ApertiumConfig) (*apertiumProvider, error) {
	s, err := findApertium(cfg)
	if err != nil {
		return nil, err
	}
	srcName := cfg.SourceLanguage
	if strings.TrimSpace(srcName) == "" {
		srcName = apertiumDefaultSource
	}
	src, ok := parseApertiumLang(srcName)
	if !ok {
		return nil, fmt.Errorf("apertium: source language %q is not a language code (want e.g. 'en')", srcName)
	}
	hasSource := false
	for _, m := range s.modes {
		for _, c := range apertiumCandidates(src.code) {
			hasSource = hasSource || m.src.code == c
		}
	}
	if !hasSource {
		return nil, fmt.Errorf("apertium: no installed pair translates from the source language %s (installed in %s: %s); "+
			"install one, e.g. apt-get install apertium-eng-spa for English",
			src, s.modesDir, strings.Join(s.pairs(), ", "))
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = apertiumDefaultTimeout
	}
	env := append(os.Environ(), "PATH="+s.binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "LC_ALL=C.UTF-8")
	return &apertiumProvider{setup: s, source: src, timeout: timeout, probeTimeout: apertiumProbeTimeout, env: env,
		slots: map[string]*apertiumSlot{}}, nil
}

func (p *apertiumProvider) Name() string   { return ProviderApertium }
func (p *apertiumProvider) Budgeted() bool { return false }
func (p *apertiumProvider) MaxBatch() int  { return apertiumMaxBatch }

// Close stops the pipelines; calls in progress fail.
func (p *apertiumProvider) Close() {
	p.mu.Lock()
	p.closed = true
	var procs []*apertiumProc
	for _, s := range p.slots {
		if s.proc != nil {
			procs = append(procs, s.proc)
		}
	}
	p.mu.Unlock()
	for _, pr := range procs {
		pr.kill()
	}
	for _, pr := range procs {
		select {
		case <-pr.exited:
		case <-time.After(3 * time.Second):
		}
	}
}

func apertiumFailure(kind TranslateFailureKind, retryable bool, format string, args ...any) *attemptFailure {
	return &attemptFailure{err: &TranslateError{Kind: kind, Err: fmt.Errorf(format, args...)}, retryable: retryable}
}

// Translate translates every text into lang from its detected language or
// the source language; model is not used (Apertium has one model per pair).
func (p *apertiumProvider) Translate(ctx context.Context, lang, model string, texts []string) (providerResult, *attemptFailure) {
	tgt, ok := parseApertiumLang(lang)
	if !ok {
		return providerResult{}, apertiumFailure(FailureClientError, false,
			"apertium: %q is not a language code (want an ISO 639-1 code such as 'es'; installed pairs: %s)",
			lang, strings.Join(p.setup.pairs(), ", "))
	}
	out := make([]string, len(texts))
	groups := map[*apertiumMode][]int{}
	var order []*apertiumMode
	for i, text := range texts {
		if strings.TrimSpace(text) == "" {
			out[i] = text
			continue
		}
		var mode *apertiumMode
		if p.detect != nil {
			if d, ok := p.detect(text); ok {
				if dl, ok := parseApertiumLang(d); ok {
					if dl.code == tgt.code {
						out[i] = text
						continue
					}
					mode = p.setup.findMode(dl, tgt)
				}
			}
		}
		if mode == nil {
			if p.source.code == tgt.code {
				out[i] = text
				continue
			}
			if mode = p.setup.findMode(p.source, tgt); mode == nil {
				return providerResult{}, &attemptFailure{err: &TranslateError{Kind: FailureClientError, Err: p.setup.missingPair(p.source, tgt)}}
			}
		}
		if _, seen := groups[mode]; !seen {
			order = append(order, mode)
		}
		groups[mode] = append(groups[mode], i)
	}
	if len(order) == 0 {
		return providerResult{Texts: out}, nil
	}
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	for _, mode := range order {
		idx := groups[mode]
		frames := make([]string, len(idx))
		parts := make([]apertiumText, len(idx))
		for k, i := range idx {
			parts[k] = splitApertiumText(texts[i])
			frames[k] = apertiumDeformat(parts[k].core)
		}
		raw, fail := p.run(actx, mode, frames)
		if fail != nil {
			if ctx.Err() != nil {
				return providerResult{}, &attemptFailure{err: contextFailure(ctx, model, 0, fail.err)}
			}
			if actx.Err() != nil && fail.err.Kind == FailureTimeout {
				fail.err.Err = fmt.Errorf("apertium %s did not answer %d texts within %v: %w", mode.name, len(frames), p.timeout, fail.err.Err)
				fail.retryable = true
			}
			return providerResult{}, fail
		}
		for k, i := range idx {
			out[i] = parts[k].join(apertiumReformat(raw[k]))
		}
	}
	return providerResult{Texts: out}, nil
}

// run translates deformatted frames with the pipeline of mode and returns
// its raw answers, sentinels removed.
func (p *apertiumProvider) run(ctx context.Context, mode *apertiumMode, frames []string) ([]string, *attemptFailure) {
	slot, fail := p.slot(mode)
	if fail != nil {
		return nil, fail
	}
	select {
	case slot.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, apertiumContextFailure(ctx, "waiting for the %s pipeline", mode.name)
	}
	defer func() { <-slot.sem }()
	if ctx.Err() != nil {
		return nil, apertiumContextFailure(ctx, "waiting for the %s pipeline", mode.name)
	}
	if slot.streamErr == nil {
		raw, fail, broken := p.runStream(ctx, slot, frames)
		if !broken {
			return raw, fail
		}
	}
	return p.runOnce(ctx, slot, frames)
}

func (p *apertiumProvider) slot(mode *apertiumMode) (*apertiumSlot, *attemptFailure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, apertiumFailure(FailureCanceled, false, "apertium provider closed")
	}
	s, ok := p.slots[mode.name]
	if !ok {
		s = &apertiumSlot{mode: mode, sem: make(chan struct{}, 1)}
		p.slots[mode.name] = s
	}
	return s, nil
}

func apertiumContextFailure(ctx context.Context, format string, args ...any) *attemptFailure {
	kind := FailureCanceled
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		kind = FailureTimeout
	}
	return &attemptFailure{err: &TranslateError{Kind: kind, Err: fmt.Errorf("%w ("+format+")", append([]any{ctx.Err()}, args...)...)},
		retryable: kind == FailureTimeout}
}

// runStream sends frames through the long-running null-flush pipeline of
// the slot, starting it when needed. broken reports that the pipeline does
// not work in null-flush mode: the caller then runs one process instead.
func (p *apertiumProvider) runStream(ctx context.Context, slot *apertiumSlot, frames []string) (raw []string, fail *attemptFailure, broken bool) {
	pr := slot.proc
	if pr != nil && pr.dead() {
		pr.kill()
		p.setProc(slot, nil)
		pr = nil
	}
	if pr == nil {
		if slot.zScript == "" {
			script, err := apertiumNullFlushScript(slot.mode.path, p.env)
			if err != nil {
				slot.streamErr = err
				return nil, nil, true
			}
			slot.zScript = script
		}
		var err error
		if pr, err = startApertiumProc(slot.zScript, p.env); err != nil {
			return nil, apertiumFailure(FailureServerError, true, "apertium %s: %v", slot.mode.name, err), false
		}
		p.setProc(slot, pr)
		// The first answer tells whether the pipeline streams.
		pctx, cancel := context.WithTimeout(ctx, p.probeTimeout)
		_, err = pr.exchange(pctx, []string{apertiumDeformat("")})
		cancel()
		if err != nil {
			pr.kill()
			p.setProc(slot, nil)
			if ctx.Err() != nil {
				return nil, apertiumContextFailure(ctx, "starting the %s pipeline", slot.mode.name), false
			}
			slot.streamErr = fmt.Errorf("null-flush pipeline of %s does not answer: %w", slot.mode.name, err)
			return nil, nil, true
		}
	}
	raw, err := pr.exchange(ctx, frames)
	if err == nil {
		return raw, nil, false
	}
	pr.kill()
	p.setProc(slot, nil) // the next call starts a new one
	switch {
	case ctx.Err() != nil:
		return nil, apertiumContextFailure(ctx, "apertium %s killed", slot.mode.name), false
	case errors.Is(err, errApertiumDesync):
		return nil, &attemptFailure{err: &TranslateError{Kind: FailureBatchMalformed, Err: fmt.Errorf("apertium %s: %w", slot.mode.name, err)}}, false
	}
	return nil, apertiumFailure(FailureServerError, true, "apertium %s: %v", slot.mode.name, err), false
}

func (p *apertiumProvider) setProc(slot *apertiumSlot, pr *apertiumProc) {
	p.mu.Lock()
	closed := p.closed
	slot.proc = pr
	p.mu.Unlock()
	if closed && pr != nil {
		pr.kill() // Close ran while this one started
	}
}

// runOnce runs the plain pipeline once for all frames (no null-flush).
func (p *apertiumProvider) runOnce(ctx context.Context, slot *apertiumSlot, frames []string) ([]string, *attemptFailure) {
	if slot.plainScript == "" {
		b, err := os.ReadFile(slot.mode.path)
		if err != nil {
			return nil, apertiumFailure(FailureClientError, false, "apertium: %v", err)
		}
		slot.plainScript = string(b)
	}
	var in strings.Builder
	for k, f := range frames {
		in.WriteString(f)
		in.WriteString(apertiumSentinel(uint64(k)))
	}
	in.WriteString("\n")
	pr, err := startApertiumProc(slot.plainScript, p.env)
	if err != nil {
		return nil, apertiumFailure(FailureServerError, true, "apertium %s: %v", slot.mode.name, err)
	}
	p.setProc(slot, pr)
	defer func() {
		pr.kill()
		p.setProc(slot, nil)
	}()
	go func() {
		io.WriteString(pr.stdin, in.String())
		pr.stdin.Close()
	}()
	read := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(pr.out)
		read <- b
	}()
	var out []byte
	select {
	case out = <-read:
	case <-ctx.Done():
		pr.kill()
		<-read
		return nil, apertiumContextFailure(ctx, "apertium %s killed", slot.mode.name)
	}
	<-pr.exited
	rest := string(out)
	raw := make([]string, len(frames))
	for k := range frames {
		s := apertiumSentinel(uint64(k))
		i := strings.Index(rest, s)
		if i < 0 {
			if pr.exitErr != nil {
				return nil, apertiumFailure(FailureServerError, true, "apertium %s: %v%s", slot.mode.name, pr.exitErr, pr.stderr.suffix())
			}
			return nil, &attemptFailure{err: &TranslateError{Kind: FailureBatchMalformed,
				Err: fmt.Errorf("apertium %s: %w: answer %d of %d is missing", slot.mode.name, errApertiumDesync, k+1, len(frames))}}
		}
		raw[k], rest = rest[:i], rest[i+len(s):]
	}
	return raw, nil
}

// apertiumNullFlushScript is the mode's pipeline with every tool in
// null-flush mode: apertium-wblank-mode -z when installed (it knows the
// tools), else -z after each command's name.
func apertiumNullFlushScript(modePath string, env []string) (string, error) {
	if wb, err := exec.LookPath("apertium-wblank-mode"); err == nil {
		cmd := exec.Command(wb, "-z", modePath)
		cmd.Env = env
		if out, err := cmd.Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
			return string(out), nil
		}
	}
	b, err := os.ReadFile(modePath)
	if err != nil {
		return "", err
	}
	stages := splitShellPipeline(strings.TrimSpace(string(b)))
	for i, st := range stages {
		st = strings.TrimSpace(st)
		name, args, _ := strings.Cut(st, " ")
		stages[i] = name + " -z " + args
	}
	return strings.Join(stages, " | "), nil
}

// splitShellPipeline splits a mode's pipeline at the | outside quotes.
func splitShellPipeline(s string) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\':
			i++
		case c == '|':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// apertiumProc is one running pipeline: bash -c <mode> apertium -n "",
// where -n is the generator's option "do not mark unknown words" (the
// apertium command's -u) and the tagger gets no option.
type apertiumProc struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stdout  io.ReadCloser
	out     *bufio.Reader
	stderr  *apertiumTail
	exited  chan struct{} // closed once the process has exited and been reaped
	exitErr error         // set before exited is closed
	seq     uint64        // sentinel of the next frame
	once    sync.Once
}

var (
	errApertiumDesync = errors.New("answer out of step with the texts")
	errApertiumExited = errors.New("pipeline exited")
)

func startApertiumProc(script string, env []string) (*apertiumProc, error) {
	cmd := exec.Command("bash", "-c", script, "apertium", "-n", "")
	cmd.Env = env
	cmd.WaitDelay = 2 * time.Second // the tools may outlive bash for a moment
	pr := &apertiumProc{cmd: cmd, stderr: &apertiumTail{}, exited: make(chan struct{})}
	cmd.Stderr = pr.stderr
	var err error
	if pr.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	// Our own pipe rather than StdoutPipe, which Wait closes as soon as
	// bash exits, possibly before the last answer has been read.
	r, w, err := os.Pipe()
	if err != nil {
		pr.stdin.Close()
		return nil, err
	}
	cmd.Stdout = w
	pr.stdout, pr.out = r, bufio.NewReaderSize(r, 64<<10)
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		pr.stdin.Close()
		return nil, err
	}
	go func() {
		pr.exitErr = cmd.Wait()
		close(pr.exited)
	}()
	return pr, nil
}

func (pr *apertiumProc) dead() bool {
	select {
	case <-pr.exited:
		return true
	default:
		return false
	}
}

// kill stops the pipeline: bash and every tool it started, then the pipes
// (so that nothing blocked on them stays blocked).
func (pr *apertiumProc) kill() {
	pr.once.Do(func() {
		if pr.cmd.Process != nil {
			killProcessTree(pr.cmd.Process.Pid)
		}
		pr.stdin.Close()
		pr.stdout.Close()
	})
}

// exchange sends frames one after another (while reading, so that a large
// batch cannot fill both pipes) and returns the answers in order.
func (pr *apertiumProc) exchange(ctx context.Context, frames []string) ([]string, error) {
	seq0 := pr.seq
	pr.seq += uint64(len(frames))
	wrote := make(chan error, 1)
	go func() {
		w := bufio.NewWriter(pr.stdin)
		for k, f := range frames {
			w.WriteString(f)
			w.WriteString(apertiumSentinel(seq0 + uint64(k)))
			w.WriteByte(0)
			if err := w.Flush(); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	type answer struct {
		raw []string
		err error
	}
	read := make(chan answer, 1)
	go func() {
		raw := make([]string, 0, len(frames))
		for k := range frames {
			s, err := pr.out.ReadString(0)
			if err != nil {
				read <- answer{raw, err}
				return
			}
			s = s[:len(s)-1]
			sentinel := apertiumSentinel(seq0 + uint64(k))
			i := strings.LastIndex(s, sentinel)
			if i < 0 || strings.TrimSpace(s[i+len(sentinel):]) != "" {
				read <- answer{raw, fmt.Errorf("%w: answer %d does not end with %s: %.200q", errApertiumDesync, k+1, sentinel, s)}
				return
			}
			raw = append(raw, s[:i])
		}
		read <- answer{raw, nil}
	}()
	select {
	case a := <-read:
		if a.err != nil {
			pr.kill()
			<-wrote
			if errors.Is(a.err, errApertiumDesync) {
				return nil, a.err
			}
			select {
			case <-pr.exited:
				if pr.exitErr != nil {
					return nil, fmt.Errorf("%w (%v)%s", errApertiumExited, pr.exitErr, pr.stderr.suffix())
				}
			case <-time.After(time.Second):
			}
			return nil, fmt.Errorf("%w: %v%s", errApertiumExited, a.err, pr.stderr.suffix())
		}
		<-wrote // every answer came, so every frame was written
		return a.raw, nil
	case <-ctx.Done():
		pr.kill()
		<-read
		<-wrote
		return nil, ctx.Err()
	}
}

func apertiumSentinel(seq uint64) string { return "[chatsql-" + strconv.FormatUint(seq, 10) + "]" }

// killProcessTree kills pid and its descendants (found in /proc on Linux;
// elsewhere only pid, and the tools exit when their pipes close).
func killProcessTree(pid int) {
	desc := processDescendants(pid)
	for _, p := range append([]int{pid}, desc...) {
		if proc, err := os.FindProcess(p); err == nil {
			proc.Kill()
		}
	}
}

func processDescendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 && len(out) < 256 {
		p := queue[0]
		queue = queue[1:]
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p))
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}

// apertiumTail keeps the end of a pipeline's stderr for error messages.
type apertiumTail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *apertiumTail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 2048 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-1024:]...)
	}
	return len(b), nil
}

// suffix is ": <stderr>" or "".
func (t *apertiumTail) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(strings.ToValidUTF8(string(t.buf), "?"))
	if s == "" {
		return ""
	}
	return ": " + s
}

// apertiumText is a text split into its leading and trailing whitespace,
// which Apertium does not keep reliably, and the rest.
type apertiumText struct {
	lead, core, trail string
}

func splitApertiumText(s string) apertiumText {
	s = strings.ReplaceAll(s, "\x00", "") // the frame separator
	core := strings.TrimLeftFunc(s, unicode.IsSpace)
	lead := s[:len(s)-len(core)]
	trimmed := strings.TrimRightFunc(core, unicode.IsSpace)
	return apertiumText{lead: lead, core: trimmed, trail: core[len(trimmed):]}
}

// join puts the whitespace back around a translation of core. A line that
// starts with a lower-case letter keeps doing so: Apertium capitalises the
// first word of each sentence, which chat lines often do not.
func (t apertiumText) join(translated string) string {
	translated = strings.TrimSpace(translated)
	src, dst := strings.Split(t.core, "\n"), strings.Split(translated, "\n")
	if len(src) != len(dst) {
		src, dst = src[:1], dst[:1]
	}
	for i := range dst {
		dst[i] = matchFirstLetterCase(src[i], dst[i])
	}
	if len(dst) == 1 {
		translated = dst[0] + translated[len(strings.SplitN(translated, "\n", 2)[0]):]
	} else {
		translated = strings.Join(dst, "\n")
	}
	return t.lead + translated + t.trail
}

// matchFirstLetterCase lower-cases the first letter of dst when src starts
// with a lower-case letter, after leading spaces and the protected tokens
// that start both ("@alice check" is not "@alice Control").
func matchFirstLetterCase(src, dst string) string {
	prefix := 0
	for _, sp := range protectedSpans(src) {
		if strings.TrimSpace(src[prefix:sp[0]]) != "" {
			break
		}
		prefix = sp[1]
	}
	if prefix > 0 {
		p := strings.TrimSpace(src[:prefix])
		i := strings.Index(dst, p)
		if i < 0 || strings.TrimSpace(dst[:i]) != "" {
			return dst
		}
		end := i + len(p)
		return dst[:end] + matchFirstLetterCase(src[prefix:], dst[end:])
	}
	src = strings.TrimLeftFunc(src, unicode.IsSpace)
	lead := len(dst) - len(strings.TrimLeftFunc(dst, unicode.IsSpace))
	first, _ := utf8.DecodeRuneInString(src)
	r, n := utf8.DecodeRuneInString(dst[lead:])
	if unicode.IsLower(first) && unicode.IsUpper(r) {
		return dst[:lead] + string(unicode.ToLower(r)) + dst[lead+n:]
	}
	return dst
}

// apertiumProtected are the tokens that must come back as they are: URLs,
// e-mail addresses, @mentions and #hashtags. They are sent as superblanks,
// which Apertium copies through untouched (unlike @bob_the_cat, which it
// would translate word by word into @bob_el_gato).
var apertiumProtected = regexp.MustCompile(`(?i)(?:https?://|ftp://|www\.)[^\s<>"]+` +
	`|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+` +
	`|[@#][\p{L}\p{N}_]+(?:[.\-][\p{L}\p{N}_]+)*`)

// protectedSpans finds the protected tokens of s, trailing punctuation
// left out.
func protectedSpans(s string) [][2]int {
	var out [][2]int
	for _, m := range apertiumProtected.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if c := s[start]; c == '@' || c == '#' {
			if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				continue // a@b: not a mention
			}
		}
		for end > start {
			r, n := utf8.DecodeLastRuneInString(s[start:end])
			tok := s[start:end]
			if strings.ContainsRune(".,;:!?'\"", r) ||
				(r == ')' && strings.Count(tok, "(") < strings.Count(tok, ")")) ||
				(r == ']' && strings.Count(tok, "[") < strings.Count(tok, "]")) {
				end -= n
				continue
			}
			break
		}
		if end > start+1 {
			out = append(out, [2]int{start, end})
		}
	}
	return out
}

// apertiumDeformat turns text (no leading or trailing whitespace) into
// Apertium's stream format, as apertium-destxt would, and ends it with an
// inserted period: the characters the stream format uses are escaped, runs
// of whitespace other than one space and protected tokens become
// superblanks ([...], copied through), and a period marked by an empty
// superblank (".[]", removed again by apertiumReformat) ends each line, so
// the tagger sees sentence ends.
func apertiumDeformat(text string) string {
	var b strings.Builder
	spans := protectedSpans(text)
	var blank strings.Builder // the superblank being gathered
	blankPlain := true        // blank is a single space
	flush := func(atEnd bool) {
		if blank.Len() == 0 {
			return
		}
		s := blank.String()
		blank.Reset()
		if blankPlain && s == " " {
			b.WriteByte(' ')
			return
		}
		if strings.ContainsAny(s, "\n\r") && b.Len() > 0 && !atEnd {
			b.WriteString(".[]")
		}
		b.WriteByte('[')
		apertiumEscape(&b, s)
		b.WriteByte(']')
	}
	for i := 0; i < len(text); {
		if len(spans) > 0 && spans[0][0] == i {
			blank.WriteString(text[i:spans[0][1]])
			blankPlain = false
			i = spans[0][1]
			spans = spans[1:]
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			if blank.Len() == 0 {
				blankPlain = true
			}
			if r != ' ' || blank.Len() > 0 {
				blankPlain = false
			}
			blank.WriteString(text[i : i+n])
			i += n
			continue
		}
		flush(false)
		if r == '~' { // a stream character that destxt wraps in a superblank
			b.WriteString("[~]")
		} else {
			apertiumEscape(&b, text[i:i+n])
		}
		i += n
	}
	flush(true)
	b.WriteString(".[]")
	return b.String()
}

func apertiumEscape(b *strings.Builder, s string) {
	for _, r := range s {
		if strings.ContainsRune(`\^$/<>@[]{}`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
}

// apertiumReformat turns a translated stream back into text, as
// apertium-retxt would: escapes resolved, superblanks copied, the inserted
// periods (".[]") removed; a run of spaces that the source did not have
// (left by a word Apertium dropped, as "I" in "y  soy") becomes one.
func apertiumReformat(s string) string {
	out := make([]byte, 0, len(s))
	dot := -1      // index in out of a '.' from the stream, just written
	space := false // the last byte written is a stream space
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			_, n := utf8.DecodeRuneInString(s[i+1:])
			out = append(out, s[i+1:i+1+n]...)
			i += 1 + n
			dot, space = -1, false
		case c == '[':
			j := i + 1
			var content []byte
			for j < len(s) && s[j] != ']' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				content = append(content, s[j])
				j++
			}
			if len(content) == 0 && dot == len(out)-1 && dot >= 0 {
				out = out[:dot]
			}
			out = append(out, content...)
			i = j + 1
			dot, space = -1, false
		case c == ' ' && space:
			i++
		default:
			out = append(out, c)
			if c == '.' {
				dot = len(out) - 1
			} else {
				dot = -1
			}
			space = c == ' '
			i++
		}
	}
	return string(out)
}
