/* OOM110 recurrent-state-not-detached: a recurrent state (an RNN's hidden state, a memory)
 * fed back into the model on every training step without detach(): each step's graph chains
 * to all the previous ones, so backward fails on the freed graph or, with retain_graph=True,
 * memory grows every step. The loop-carried fact is the semantic model's (loop_carried_arg). */
#include <string.h>
#include <strings.h>

#include "linter/lint_int.h"

/* 1 if the carried name reads as recurrent state: one of its '_'-separated words is h, hx,
 * hidden, state, mem(s), memory, carry (...), and none says it is a number kept for
 * bookkeeping (flag, max, min, count, best, peak). */
static int state_name(const char *s, size_t n)
{
    static const char *const state[] = {"h",    "hx",     "hc",       "h0",    "ht",     "hn",
                                        "hid",  "hidden", "hiddens",  "state", "states", "mem",
                                        "mems", "memory", "memories", "carry", NULL};
    static const char *const bookkeeping[] = {"flag", "max", "min", "count", "best", "peak", NULL};
    int is_state = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '_') {
            j++;
        }
        for (int k = 0; state[k]; k++) {
            is_state |= strlen(state[k]) == j - i && strncasecmp(s + i, state[k], j - i) == 0;
        }
        for (int k = 0; bookkeeping[k]; k++) {
            if (strlen(bookkeeping[k]) == j - i && strncasecmp(s + i, bookkeeping[k], j - i) == 0) {
                return 0;
            }
        }
        i = j + 1;
    }
    return is_state;
}

static void rule_recurrent_state(analysis *a)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        uint32_t loop = enclosing_loop(a, c);
        if (loop == NONE || a->loop_trains[loop] != LOOP_STEP || under_no_grad(a, c)) {
            continue;
        }
        uint32_t arg = loop_carried_arg(a, c, loop);
        size_t n;
        const char *name = arg == NONE ? NULL : ntext(a, arg, &n);
        if (!name || !state_name(name, n)) {
            continue;
        }
        add_finding(a, arg,
                    "`%.*s` is fed back into the model on every training step without detach(): "
                    "each step's graph chains to all the previous ones (backward fails on the "
                    "freed graph, or with retain_graph=True memory grows every step); detach it "
                    "at the start of the step (both tensors of an LSTM state)",
                    (int)(n > 40 ? 40 : n), name);
    }
}

/* The innermost loop around n that performs a training step, or NONE. */
static uint32_t step_loop(const analysis *a, uint32_t n)
{
    for (uint32_t l = enclosing_loop(a, n); l != NONE; l = enclosing_loop(a, l)) {
        if (a->loop_trains[l] == LOOP_STEP) {
            return l;
        }
    }
    return NONE;
}

/* `out = model(x)` in a training loop, where model (bound before the loop) is an instance of a
 * class that keeps a recurrent state on itself and the loop never resets it. */
static void rule_module_state(analysis *a)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        uint32_t f = child_field(a, c, F_FUNCTION);
        if (f == NONE || a->nodes[f].kind != K_IDENT) {
            continue;
        }
        uint32_t loop = step_loop(a, c);
        const binding *b = loop == NONE ? NULL : resolve_binding(a, f);
        if (!b || a->nodes[b->site].sb >= a->nodes[loop].sb || under_no_grad(a, c) ||
            loop_resets_instance(a, loop, f) || !instance_keeps_state(a, f)) {
            continue;
        }
        size_t n;
        const char *name = ntext(a, f, &n);
        add_finding(a, c,
                    "`%.*s` keeps a recurrent state on the module (a method stores its output "
                    "back in a self attribute it feeds in) and this training loop never resets "
                    "or detaches it: each step's graph chains to all the previous ones; detach "
                    "or re-make that attribute at the start of every step",
                    (int)(n > 40 ? 40 : n), name);
    }
}

static void rule_recurrent_state_all(analysis *a)
{
    rule_recurrent_state(a);
    rule_module_state(a);
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Opt-in (--select OOM110): on 29 judged real-code locations it flags all 3 real positives\n"
    "and none of the 26 near misses, but three positives (two repositories) are too few to\n"
    "establish its precision.\n"
    "\n"
    "Flags a recurrent state carried across training steps without detach(): inside a loop that\n"
    "performs a training step (backward, optimizer.step), `out, h = model(x, h)` (also `out,\n"
    "(h, c) = lstm(x, (h, c))`, or a keyword argument) where h is bound before the loop and\n"
    "nowhere else inside it, and a word of its name reads as state (h, hx, hidden, state,\n"
    "mem(s), memory, carry). Without a detach, each step's graph hangs off the previous step's:\n"
    "backward reaches into the freed graph and fails, and the usual 'fix', retain_graph=True,\n"
    "keeps every step's graph alive: memory grows until OOM.\n"
    "\n"
    "The state may also live on the module: `out = model(x)` in a training loop, model bound\n"
    "before it to an instance of a class whose method stores a call's outputs, one of them\n"
    "back in a self attribute it fed in (`out, self.hidden = self.lstm(x, self.hidden)`;\n"
    "not `self.x = f(self.x)`), itself, through a superclass or a submodule (`self.cell =\n"
    "Cell(...)`), in this file or another project module, or built from such an instance\n"
    "(Generator(rnn, head); model = model.to(dev) is the same instance), while the loop\n"
    "neither assigns an attribute of it or of what it was built from (model.hidden = ...,\n"
    "model.cell.w = model.cell.w.detach(), rnn.h = ...) nor calls a method on them named\n"
    "init/reset/detach/repackage/clear or zero_* (not zero_grad). Not flagged: a forward\n"
    "that detaches the attribute after the call or re-makes it on every call.\n"
    "\n"
    "Not flagged: a state detached or re-made inside the loop (h = h.detach(), h =\n"
    "repackage_hidden(h), h.detach_(), h[0].detach_(), h = model.init_hidden(bs) every step), a\n"
    "time loop inside one step (BPTT over a sequence is meant to keep the graph), code under\n"
    "no_grad, names that do not read as state (lr, ema) or count something (report_memory_flag,\n"
    "memory_max).\n"
    "\n"
    "Bad:\n"
    "    hidden = model.init_hidden(bs)\n"
    "    for x, y in loader:\n"
    "        out, hidden = model(x, hidden)              # OOM110\n"
    "        loss = crit(out, y); loss.backward(); opt.step()\n"
    "Good:\n"
    "    for x, y in loader:\n"
    "        hidden = tuple(t.detach() for t in hidden)  # or hidden.detach()\n"
    "        out, hidden = model(x, hidden)\n";

/* a backward call: the loop must train (loss.backward(, accelerator.backward( alike) */
static const char *const needles[] = {"backward(", NULL};

const rule_spec oom110_recurrent_state_not_detached = {
    .meta =
        {
            .code = "OOM110",
            .name = "recurrent-state-not-detached",
            .entry = "M20",
            .severity = LINT_SEV_WARNING,
            /* 3 of 3 real positives and 0 of 26 near misses flagged: too few positives to
             * establish its precision */
            .opt_in = 1,
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "recurrent state fed back every training step without detach()",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_recurrent_state_all,
};
