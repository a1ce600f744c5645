package udf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chatsql/chatsql/runtime/types"
)

// translateService is the translation machinery of one job, shared by its
// TRANSLATE operator instances: skip detection, the cache (and its journal),
// de-duplication of identical calls in flight, batching per (language,
// model), budgets and circuit breaker per model, retries, metrics. The async
// operator in front of it stays generic: it only sees Call and done.
type translateService struct {
	cfg      TranslateConfig
	job      string
	provider translateProvider
	meter    *translateMeter
	cache    *translateCache   // nil: no cache
	journal  *translateJournal // nil: cache not persisted
	logf     func(string, ...any)

	stop   context.Context // canceled by shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup // batches being sent
	sem    chan struct{}  // requests in flight (budgeted providers)

	mu      sync.Mutex
	refs    int
	closed  bool
	flights map[string]*translateFlight
	batches map[batchKey]*pendingBatch
	budgets map[string]*modelBudget
}

// translateFlight is one text being translated; identical calls that arrive
// meanwhile wait on it instead of sending their own.
type translateFlight struct {
	key, text   string
	lang, model string
	waiters     []*translateWaiter
}

// translateWaiter is one call waiting for a flight. finish runs done at
// most once: either with the flight's result or when the call's own context
// ends first (the flight goes on and its result still fills the cache).
type translateWaiter struct {
	once sync.Once
	done func(types.Value, error)

	mu       sync.Mutex // stop is set by watch while a sender may finish the call
	stop     func() bool
	finished bool
}

func (w *translateWaiter) finish(v types.Value, err error) {
	w.once.Do(func() {
		w.mu.Lock()
		stop := w.stop
		w.finished = true
		w.mu.Unlock()
		if stop != nil {
			stop()
		}
		w.done(v, err)
	})
}

// setStop records the context watcher's stop function; when the call has
// finished already, the watcher is stopped at once.
func (w *translateWaiter) setStop(stop func() bool) {
	w.mu.Lock()
	done := w.finished
	if !done {
		w.stop = stop
	}
	w.mu.Unlock()
	if done {
		stop()
	}
}

type batchKey struct{ lang, model string }

// pendingBatch collects flights for one (language, model) until the
// window passes or it is full.
type pendingBatch struct {
	key     batchKey
	flights []*translateFlight
	tokens  int
	timer   *time.Timer
}

var translateServices = struct {
	sync.Mutex
	m map[string]*translateService
}{m: map[string]*translateService{}}

// acquireTranslateService returns the job's service, creating it on first
// use; every acquire is paired with a release.
func acquireTranslateService(env Env, cfg TranslateConfig, logf func(string, ...any)) (*translateService, error) {
	translateServices.Lock()
	defer translateServices.Unlock()
	if s, ok := translateServices.m[env.JobID]; ok {
		s.mu.Lock()
		s.refs++
		s.mu.Unlock()
		return s, nil
	}
	s, err := newTranslateService(env, cfg, logf)
	if err != nil {
		return nil, err
	}
	s.refs = 1
	translateServices.m[env.JobID] = s
	return s, nil
}

func newTranslateService(env Env, cfg TranslateConfig, logf func(string, ...any)) (*translateService, error) {
	var p translateProvider
	switch cfg.Provider {
	case ProviderOpenAI:
		p = newOpenAIProvider(cfg)
	case ProviderApertium:
		if newApertiumHook == nil {
			return nil, fmt.Errorf("TRANSLATE: the apertium provider is not built in")
		}
		ap, err := newApertiumHook(cfg)
		if err != nil {
			return nil, err
		}
		p = ap
	default:
		return nil, fmt.Errorf("TRANSLATE: provider %q has no implementation", cfg.Provider)
	}
	s := &translateService{
		cfg: cfg, job: env.JobID, provider: p, logf: logf,
		meter:   newTranslateMeter(env.JobID, env.JobName, p.Name(), cfg.Prices),
		sem:     make(chan struct{}, cfg.MaxConcurrent),
		flights: map[string]*translateFlight{},
		batches: map[batchKey]*pendingBatch{},
		budgets: map[string]*modelBudget{},
	}
	s.stop, s.cancel = context.WithCancel(context.Background())
	if cfg.CacheSize > 0 {
		s.cache = newTranslateCache(cfg.CacheSize, cfg.CacheTTL)
		if env.StateDir != "" {
			j, loaded, err := openTranslateJournal(env.StateDir, s.cache)
			if err != nil {
				p.Close()
				return nil, err
			}
			s.journal = j
			if loaded > 0 {
				logf("TRANSLATE: %d cached translations loaded from %s", loaded, j.path)
			}
		}
	}
	return s, nil
}

// release drops one reference; the last one shuts the service down:
// batches not sent yet and requests in flight are canceled (their calls
// get an error), the journal is closed.
func (s *translateService) release() {
	translateServices.Lock()
	s.mu.Lock()
	s.refs--
	last := s.refs == 0
	if last {
		s.closed = true
		if translateServices.m[s.job] == s {
			delete(translateServices.m, s.job)
		}
	}
	s.mu.Unlock()
	translateServices.Unlock()
	if !last {
		return
	}
	s.cancel()
	// flush what is pending so that its calls finish (with a cancellation)
	s.mu.Lock()
	var pending []*pendingBatch
	for k, b := range s.batches {
		if b.timer != nil {
			b.timer.Stop()
		}
		pending = append(pending, b)
		delete(s.batches, k)
	}
	s.mu.Unlock()
	for _, b := range pending {
		s.sendAsync(b)
	}
	s.wg.Wait()
	s.provider.Close()
	if s.journal != nil {
		if err := s.journal.close(); err != nil {
			s.logf("TRANSLATE: %v", err)
		}
	}
}

// call translates text into lang with model and calls done once.
func (s *translateService) call(ctx context.Context, text, lang, model string, done func(types.Value, error)) {
	if s.cfg.Skip {
		if reason, skip := skipTranslation(text, lang); skip {
			s.meter.skipped(reason)
			done(types.NewString(text), nil)
			return
		}
	}
	key := translateCacheKey(text, lang, model)
	if s.cache != nil {
		if v, ok := s.cache.get(key); ok {
			s.meter.lookup("hit")
			done(types.NewString(v), nil)
			return
		}
	}
	w := &translateWaiter{done: done}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		done(types.NullValue, &TranslateError{Kind: FailureCanceled, Model: model, Err: errors.New("TRANSLATE closed")})
		return
	}
	if f, ok := s.flights[key]; ok {
		f.waiters = append(f.waiters, w)
		s.mu.Unlock()
		s.meter.lookup("shared")
		s.watch(ctx, w, model)
		return
	}
	f := &translateFlight{key: key, text: text, lang: lang, model: model, waiters: []*translateWaiter{w}}
	s.flights[key] = f
	full := s.addToBatch(f)
	s.mu.Unlock()
	s.meter.lookup("miss")
	s.watch(ctx, w, model)
	if full != nil {
		s.sendAsync(full)
	}
}

// watch ends a waiting call when its own context ends first (the row's
// timeout, or the job canceled).
func (s *translateService) watch(ctx context.Context, w *translateWaiter, model string) {
	if ctx.Done() == nil {
		return
	}
	w.setStop(context.AfterFunc(ctx, func() {
		w.finish(types.NullValue, contextFailure(ctx, model, 0, nil))
	}))
}

// addToBatch puts f in the pending batch of its language and model (under
// s.mu) and returns a batch that must be sent now, if one is full.
func (s *translateService) addToBatch(f *translateFlight) *pendingBatch {
	k := batchKey{strings.ToLower(strings.TrimSpace(f.lang)), f.model}
	maxSize := min(s.cfg.BatchMaxSize, s.provider.MaxBatch())
	tokens := estimateTokens(f.text)
	b := s.batches[k]
	var flushed *pendingBatch
	if b != nil && len(b.flights) > 0 && b.tokens+tokens > s.cfg.BatchMaxTokens {
		// this text would push the batch over its token limit: send the
		// batch as it is and start a new one
		b.timer.Stop()
		delete(s.batches, k)
		flushed, b = b, nil
	}
	if b == nil {
		b = &pendingBatch{key: k}
		s.batches[k] = b
		if s.cfg.BatchWindow > 0 && maxSize > 1 {
			b.timer = time.AfterFunc(s.cfg.BatchWindow, func() { s.windowClosed(b) })
		}
	}
	b.flights = append(b.flights, f)
	b.tokens += tokens
	if len(b.flights) >= maxSize || s.cfg.BatchWindow <= 0 || maxSize <= 1 {
		if b.timer != nil {
			b.timer.Stop()
		}
		delete(s.batches, k)
		if flushed != nil {
			// two batches leave at once: send the older one here
			s.sendAsync(flushed)
		}
		return b
	}
	return flushed
}

func (s *translateService) windowClosed(b *pendingBatch) {
	s.mu.Lock()
	if s.batches[b.key] != b {
		s.mu.Unlock()
		return // sent already (full, or by release)
	}
	delete(s.batches, b.key)
	s.mu.Unlock()
	s.sendAsync(b)
}

func (s *translateService) sendAsync(b *pendingBatch) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.send(b)
	}()
}

// send translates a batch: one request for all its texts, and one per text
// if the batch answer cannot be matched to them.
func (s *translateService) send(b *pendingBatch) {
	texts := make([]string, len(b.flights))
	for i, f := range b.flights {
		texts[i] = f.text
	}
	ctx, cancel := context.WithTimeout(s.stop, s.cfg.CallBudget())
	defer cancel()
	res, err := s.request(ctx, b.key.lang, b.key.model, texts)
	if err != nil && err.Kind == FailureBatchMalformed && len(texts) > 1 {
		s.meter.fallback(b.key.model)
		var wg sync.WaitGroup
		for _, f := range b.flights {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.request(ctx, b.key.lang, b.key.model, []string{f.text})
				s.complete([]*translateFlight{f}, r, err)
			}()
		}
		wg.Wait()
		return
	}
	s.complete(b.flights, res, err)
}

// complete stores the translations (journal first, then cache) and hands
// them to every waiting call.
func (s *translateService) complete(flights []*translateFlight, res providerResult, err *TranslateError) {
	if err == nil && s.cache != nil {
		now := time.Now()
		if s.journal != nil {
			recs := make([]journalRecord, len(flights))
			for i, f := range flights {
				recs[i] = journalRecord{K: f.key, V: res.Texts[i], T: now.UnixMilli()}
			}
			if jerr := s.journal.append(s.cache, recs); jerr != nil {
				s.logf("TRANSLATE: %v (translations are not persisted; a restart may ask for them again)", jerr)
			}
		}
		for i, f := range flights {
			s.cache.put(f.key, res.Texts[i], now)
		}
	}
	s.mu.Lock()
	var waiters [][]*translateWaiter
	for _, f := range flights {
		if s.flights[f.key] == f {
			delete(s.flights, f.key)
		}
		waiters = append(waiters, f.waiters)
		f.waiters = nil
	}
	s.mu.Unlock()
	for i, ws := range waiters {
		for _, w := range ws {
			if err != nil {
				w.finish(types.NullValue, err)
			} else {
				w.finish(types.NewString(res.Texts[i]), nil)
			}
		}
	}
}

// request sends texts in one request with budgets, breaker and retries.
// Errors are final (after the last retry).
func (s *translateService) request(ctx context.Context, lang, model string, texts []string) (providerResult, *TranslateError) {
	budgeted := s.provider.Budgeted()
	var budget *modelBudget
	tokens := 0
	if budgeted {
		budget = s.budget(model)
		tokens = translatePromptOverheadTokens
		for _, t := range texts {
			tokens += 2 * estimateTokens(t) // in and out
		}
	}
	var spentIn, spentOut int64
	rateLimitedAttempts := 0
	var last *TranslateError // the previous attempt's failure
	for attempt := 1; ; attempt++ {
		if budgeted {
			if !budget.allow() {
				return providerResult{}, &TranslateError{Kind: FailureCircuitOpen, Model: model, Attempts: attempt - 1,
					Err: fmt.Errorf("the endpoint failed %d times in a row; no calls for %v", s.cfg.BreakerFails, s.cfg.BreakerCool)}
			}
			waited, err := budget.wait(ctx, tokens)
			if waited > time.Millisecond {
				s.meter.budgetWait(model, waited)
			}
			if err == nil {
				select {
				case s.sem <- struct{}{}:
				case <-ctx.Done():
					err = ctx.Err()
				}
			}
			if err != nil {
				budget.record(FailureCanceled, true) // frees a half-open probe
				if last != nil && ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
					// the deadline passed while waiting to retry: the
					// cause is the last failure, not the wait
					last.Err = fmt.Errorf("%w (the call deadline passed while waiting to retry)", last.Err)
					return providerResult{}, last
				}
				return providerResult{}, contextFailure(ctx, model, attempt-1, last)
			}
		}
		started := time.Now()
		res, fail := s.callProvider(ctx, lang, model, texts)
		if budgeted {
			<-s.sem
		}
		d := time.Since(started)
		if fail == nil {
			s.meter.request(model, s.provider.Name(), len(texts), d, res.InputTokens, res.OutputTokens, "", false)
			if budgeted {
				budget.succeeded()
				if _, closed := budget.record("", false); closed {
					s.meter.circuit(model, false)
					s.logf("TRANSLATE: model %s answers again; circuit breaker closed", model)
				}
			}
			res.InputTokens += spentIn
			res.OutputTokens += spentOut
			return res, nil
		}
		if ctx.Err() != nil && last != nil && last.Kind == FailureRateLimited && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// a 429 is retried until the deadline, which cut this attempt
			// short: the cause is the rate limit
			last.Err = fmt.Errorf("%w (the call deadline passed during the next attempt)", last.Err)
			last.Attempts = attempt
			return providerResult{}, last
		}
		s.meter.request(model, s.provider.Name(), len(texts), d, fail.inputTokens, fail.outputTokens, fail.err.Kind, true)
		spentIn += fail.inputTokens
		spentOut += fail.outputTokens
		fail.err.Attempts, fail.err.Model = attempt, model
		last = fail.err
		// the wait before the next attempt: what the server asked for, else
		// the backoff
		wait := fail.retryAfter
		if wait <= 0 {
			wait = translateBackoff(s.cfg.InitialBackoff, s.cfg.MaxBackoff, attempt-1)
		}
		if budgeted {
			opened, closed := budget.record(fail.err.Kind, true)
			if opened {
				s.meter.circuit(model, true)
				s.logf("TRANSLATE: model %s failed %d times in a row (%v); circuit breaker open for %v: calls get NULL at once",
					model, s.cfg.BreakerFails, fail.err, s.cfg.BreakerCool)
			} else if closed {
				s.meter.circuit(model, false)
			}
			if fail.err.Kind == FailureRateLimited {
				// every request of the model waits, not only this one, and
				// the rate that drew the 429 is cut
				budget.rateLimited()
				budget.pause(wait)
			}
		}
		// A 429 is "later", not "failed": it is retried until the call's
		// deadline (the budget makes the wait), other failures up to
		// translation.max-retries.
		retries := attempt - 1 - rateLimitedAttempts
		if fail.err.Kind == FailureRateLimited && budgeted {
			rateLimitedAttempts++
			retries = -1
		}
		if !fail.retryable || retries >= s.cfg.MaxRetries || ctx.Err() != nil {
			if ctx.Err() != nil && fail.err.Kind != FailureCanceled && fail.err.Kind != FailureTimeout {
				return providerResult{}, contextFailure(ctx, model, attempt, fail.err)
			}
			return providerResult{}, fail.err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			fail.err.Err = fmt.Errorf("%w (next attempt in %v would pass the call deadline)", fail.err.Err, wait.Round(time.Millisecond))
			return providerResult{}, fail.err
		}
		s.meter.retry(model)
		if fail.err.Kind != FailureRateLimited || !budgeted {
			if err := sleepContext(ctx, wait); err != nil {
				return providerResult{}, contextFailure(ctx, model, attempt, fail.err)
			}
		} // a 429 waits in budget.wait, with every other request of the model
	}
}

// translatePromptOverheadTokens is about what the instructions of a
// request cost, for the tokens per minute budget.
const translatePromptOverheadTokens = 120

// callProvider turns a panic in a provider into this request's failure.
func (s *translateService) callProvider(ctx context.Context, lang, model string, texts []string) (res providerResult, fail *attemptFailure) {
	defer func() {
		if r := recover(); r != nil {
			fail = &attemptFailure{err: &TranslateError{Kind: FailureClientError, Model: model, Err: fmt.Errorf("internal error: %v", r)}}
		}
	}()
	res, fail = s.provider.Translate(ctx, lang, model, texts)
	if fail == nil && len(res.Texts) != len(texts) {
		fail = &attemptFailure{err: &TranslateError{Kind: FailureBatchMalformed, Model: model,
			Err: fmt.Errorf("%w: %d translations for %d texts", errBatchMalformed, len(res.Texts), len(texts))}}
	}
	return res, fail
}

func (s *translateService) budget(model string) *modelBudget {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.budgets[model]
	if !ok {
		b = newModelBudget(s.cfg)
		s.budgets[model] = b
	}
	return b
}

// newApertiumHook builds the apertium provider (translate_apertium.go).
var newApertiumHook func(cfg TranslateConfig) (translateProvider, error)
