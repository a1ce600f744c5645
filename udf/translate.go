package udf

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/chatsql/chatsql/runtime/types"
)

// TRANSLATE(text, target_language [, model]) translates chat text with an
// OpenAI-compatible LLM. It is an async function: the planner turns it into an
// async operator, which bounds the calls in flight and keeps rows in order;
// what happens inside one call (prompt, HTTP, retries, metrics) is here.
func init() {
	RegisterAsync(Async{
		Name:      "TRANSLATE",
		Bind:      bindTranslate,
		New:       newTranslateCaller,
		Signature: "TRANSLATE(text, target_language [, model]) -> VARCHAR",
		Doc: "Translates text into target_language (a code such as 'es' or a name) with the LLM of " +
			"translation.base-url / translation.modelName, or the model given as third argument. " +
			"NULL text gives NULL, '' gives ''; after the last retry the result is NULL and the failure is counted.",
	})
}

// Errors of TRANSLATE. A failed call returns a *TranslateError, which
// matches the sentinel of its kind with errors.Is.
var (
	ErrTranslateArgs        = errors.New("bad TRANSLATE arguments")
	ErrTranslateNoProvider  = errors.New("no LLM provider configured")
	ErrTranslateRateLimited = errors.New("rate limited by the LLM provider")
	ErrTranslateServerError = errors.New("LLM provider server error")
	ErrTranslateTimeout     = errors.New("LLM call timed out")
	ErrTranslateClientError = errors.New("LLM request rejected")
	ErrTranslateNetwork     = errors.New("LLM provider unreachable")
	ErrTranslateCanceled    = errors.New("TRANSLATE call canceled")
)

var translateKindErrors = map[TranslateFailureKind]error{
	FailureRateLimited: ErrTranslateRateLimited,
	FailureServerError: ErrTranslateServerError,
	FailureTimeout:     ErrTranslateTimeout,
	FailureClientError: ErrTranslateClientError,
	FailureNoProvider:  ErrTranslateNoProvider,
	FailureNetwork:     ErrTranslateNetwork,
	FailureCanceled:    ErrTranslateCanceled,
}

// TranslateError is the final failure of one TRANSLATE call.
type TranslateError struct {
	Kind     TranslateFailureKind
	Model    string
	Status   int // HTTP status of the last attempt; 0 when there was none
	Attempts int // HTTP attempts made
	Err      error
}

func (e *TranslateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "TRANSLATE (model %s): ", e.Model)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s, ", e.Status, http.StatusText(e.Status))
	}
	fmt.Fprintf(&b, "%s", e.Kind)
	if e.Attempts > 0 {
		fmt.Fprintf(&b, " after %d attempt", e.Attempts)
		if e.Attempts > 1 {
			b.WriteByte('s')
		}
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap exposes the kind's sentinel and the cause.
func (e *TranslateError) Unwrap() []error {
	out := []error{translateKindErrors[e.Kind]}
	if e.Kind == FailureNoProvider {
		out = append(out, ErrReported) // said once when the job started
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// argsError is a bad call of TRANSLATE, as users see it; it is
// ErrTranslateArgs for errors.Is.
type argsError struct{ msg string }

func (e *argsError) Error() string { return e.msg }
func (e *argsError) Unwrap() error { return ErrTranslateArgs }

// translateRequest is one text to translate.
type translateRequest struct {
	Text, Lang, Model string
}

// translateResult is a translation with what it cost.
type translateResult struct {
	Text                      string
	InputTokens, OutputTokens int64
	Attempts                  int
}

// translator is the seam between the SQL function and the provider: the
// batching, caching, budget and de-duplication layers of issue 3 wrap one
// translator in another. Errors are *TranslateError.
type translator interface {
	translate(ctx context.Context, req translateRequest) (translateResult, error)
	close()
}

func bindTranslate(args []Arg) (types.Type, error) {
	if len(args) < 2 || len(args) > 3 {
		return types.Type{}, &argsError{fmt.Sprintf("TRANSLATE expects 2 or 3 arguments (text, target_language [, model]), got %d", len(args))}
	}
	names := []string{"text", "target_language", "model"}
	for i, a := range args {
		if k := a.Type.Kind; k != types.KindString && k != types.KindNull {
			return types.Type{}, &argsError{fmt.Sprintf("TRANSLATE argument %d (%s) must be VARCHAR, got %s", i+1, names[i], a.Type)}
		}
	}
	return types.String, nil
}

// translateNoProviderLogged remembers the jobs already told that no
// provider is configured, so that parallel instances log it once per job.
var translateNoProviderLogged sync.Map

const translateNoProviderMessage = "TRANSLATE: no LLM provider configured (set --api-key / OPENAI_API_KEY or --llm-base-url / OPENAI_BASE_URL); returning NULL"

// translateCaller is the AsyncCaller of one TRANSLATE operator instance.
type translateCaller struct {
	cfg     TranslateConfig
	tr      translator // nil without a provider
	meter   *translateMeter
	job     string
	logf    func(string, ...any)
	stop    context.Context // canceled by Close
	cancel  context.CancelFunc
	mu      sync.Mutex // orders pending.Add against Close's Wait
	closed  bool
	pending sync.WaitGroup
}

var _ AsyncCaller = (*translateCaller)(nil)

func newTranslateCaller(env Env) (AsyncCaller, error) {
	cfg, err := ParseTranslateConfig(env.Settings)
	if err != nil {
		return nil, fmt.Errorf("TRANSLATE in job %s: %w", env.JobID, err)
	}
	meter := newTranslateMeter(env.JobID)
	c := &translateCaller{cfg: cfg, meter: meter, job: env.JobID, logf: env.Logf}
	if c.logf == nil {
		c.logf = log.Printf
	}
	if cfg.HasProvider() {
		c.tr = newOpenAITranslator(cfg, meter.retry)
	}
	c.stop, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Call translates args[0] into args[1], with args[2] (if given and not
// NULL) overriding the model. It calls done exactly once.
func (c *translateCaller) Call(ctx context.Context, args []types.Value, done func(types.Value, error)) {
	if len(args) < 2 {
		done(types.NullValue, fmt.Errorf("%w: TRANSLATE called with %d arguments", ErrTranslateArgs, len(args)))
		return
	}
	text, lang := args[0], args[1]
	if text.IsNull() || lang.IsNull() || strings.TrimSpace(lang.Str()) == "" {
		done(types.NullValue, nil) // NULL in, NULL out; nothing to ask the model
		return
	}
	if text.Str() == "" {
		done(types.NewString(""), nil)
		return
	}
	model := c.cfg.Model
	if len(args) > 2 && !args[2].IsNull() && strings.TrimSpace(args[2].Str()) != "" {
		model = strings.TrimSpace(args[2].Str())
	}
	if c.tr == nil {
		if _, seen := translateNoProviderLogged.LoadOrStore(c.job, true); !seen {
			c.logf("%s", translateNoProviderMessage)
		}
		c.meter.outcome(model, FailureNoProvider, true)
		done(types.NullValue, &TranslateError{Kind: FailureNoProvider, Model: model})
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		done(types.NullValue, &TranslateError{Kind: FailureCanceled, Model: model, Err: errors.New("caller closed")})
		return
	}
	c.pending.Add(1)
	c.mu.Unlock()
	req := translateRequest{Text: text.Str(), Lang: strings.TrimSpace(lang.Str()), Model: model}
	go c.run(ctx, req, done)
}

func (c *translateCaller) run(ctx context.Context, req translateRequest, done func(types.Value, error)) {
	defer c.pending.Done()
	// Close cancels calls still in flight, so it never waits on a slow LLM.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopWatch := context.AfterFunc(c.stop, cancel)
	defer stopWatch()

	started := c.meter.start(req.Model)
	var (
		res translateResult
		err error
	)
	func() {
		// A bug in the provider path must become this row's error, not a
		// crash of the job.
		defer func() {
			if r := recover(); r != nil {
				err = &TranslateError{Kind: FailureClientError, Model: req.Model, Err: fmt.Errorf("internal error: %v", r)}
			}
		}()
		res, err = c.tr.translate(ctx, req)
	}()
	if err != nil {
		kind := FailureClientError
		var te *TranslateError
		if errors.As(err, &te) {
			kind = te.Kind
		}
		c.meter.finish(req.Model, started, res, kind, true)
		done(types.NullValue, err)
		return
	}
	c.meter.finish(req.Model, started, res, "", false)
	done(types.NewString(res.Text), nil)
}

// Close cancels the calls in flight (their done still runs, with an error),
// waits for them and releases the HTTP connections.
func (c *translateCaller) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.pending.Wait()
	if c.tr != nil {
		c.tr.close()
	}
	return nil
}
