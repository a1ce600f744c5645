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
			"translation.base-url / translation.modelName (or the model given as third argument), or offline " +
			"with Apertium (translation.provider = 'apertium'). Calls are skipped when the text needs none, " +
			"served from a crash-safe cache, shared while in flight and batched per language and model, within " +
			"per-model budgets and a circuit breaker (see docs/translate.md). " +
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
	ErrTranslateCircuitOpen = errors.New("LLM endpoint circuit breaker open")
	ErrTranslateMalformed   = errors.New("LLM batch answer malformed")
)

var translateKindErrors = map[TranslateFailureKind]error{
	FailureRateLimited:    ErrTranslateRateLimited,
	FailureServerError:    ErrTranslateServerError,
	FailureTimeout:        ErrTranslateTimeout,
	FailureClientError:    ErrTranslateClientError,
	FailureNoProvider:     ErrTranslateNoProvider,
	FailureNetwork:        ErrTranslateNetwork,
	FailureCanceled:       ErrTranslateCanceled,
	FailureCircuitOpen:    ErrTranslateCircuitOpen,
	FailureBatchMalformed: ErrTranslateMalformed,
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

// translateCaller is the AsyncCaller of one TRANSLATE operator instance;
// the instances of a job share one translateService.
type translateCaller struct {
	cfg   TranslateConfig
	svc   *translateService // nil without a provider
	meter *translateMeter
	job   string
	logf  func(string, ...any)
	once  sync.Once
}

var _ AsyncCaller = (*translateCaller)(nil)

func newTranslateCaller(env Env) (AsyncCaller, error) {
	cfg, err := ParseTranslateConfig(env.Settings)
	if err != nil {
		return nil, fmt.Errorf("TRANSLATE in job %s: %w", env.JobID, err)
	}
	c := &translateCaller{cfg: cfg, job: env.JobID, logf: env.Logf}
	if c.logf == nil {
		c.logf = log.Printf
	}
	if cfg.HasProvider() {
		c.svc, err = acquireTranslateService(env, cfg, c.logf)
		if err != nil {
			return nil, fmt.Errorf("TRANSLATE in job %s: %w", env.JobID, err)
		}
		c.meter = c.svc.meter
	} else {
		c.meter = newTranslateMeter(env.JobID, env.JobName, ProviderNone, cfg.Prices)
	}
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
	if c.svc == nil {
		if _, seen := translateNoProviderLogged.LoadOrStore(c.job, true); !seen {
			c.logf("%s", translateNoProviderMessage)
		}
		c.meter.outcome(model, FailureNoProvider, true)
		done(types.NullValue, &TranslateError{Kind: FailureNoProvider, Model: model})
		return
	}
	started := c.meter.start(model)
	c.svc.call(ctx, text.Str(), strings.TrimSpace(lang.Str()), model, func(v types.Value, err error) {
		kind := TranslateFailureKind("")
		if err != nil {
			kind = FailureClientError
			var te *TranslateError
			if errors.As(err, &te) {
				kind = te.Kind
			}
		}
		c.meter.finish(model, started, kind, err != nil)
		done(v, err)
	})
}

// Close releases the caller's share of the job's translation service; the
// last one cancels what is still in flight (those calls get an error) and
// closes the connections.
func (c *translateCaller) Close() error {
	c.once.Do(func() {
		if c.svc != nil {
			c.svc.release()
		}
	})
	return nil
}
