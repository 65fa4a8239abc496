/* OOM108 eval-logits-not-reduced: a Hugging Face Trainer on a language model (causal, masked,
 * seq2seq; CTC speech models too) whose evaluation hands compute_metrics the full logits. The
 * Trainer keeps every batch's batch x seq_len x vocab logits until the eval set ends: on the
 * GPU, or in host RAM once eval_accumulation_steps moves them (OOM103 is about the first).
 * Reducing them per batch (preprocess_logits_for_metrics, argmax) keeps one id per token
 * instead. */
#include <stdio.h>
#include <string.h>

#include "linter/lint_int.h"

/* Model classes whose logits are per token (or per audio frame, CTC) over the vocabulary. */
static const char *const lm_markers[] = {
    "CausalLM",       "Seq2SeqLM", "MaskedLM", "LMHead", "ForConditionalGeneration",
    "ForPreTraining", "ForCTC",    NULL};
/* Heads with small logits (per example, or per token over a few labels). */
static const char *const small_markers[] = {"Classification", "QuestionAnswering", "MultipleChoice",
                                            "RewardModel", NULL};

static int has_any(const char *t, size_t n, const char *const *words)
{
    for (int i = 0; words[i]; i++) {
        if (memmem(t, n, words[i], strlen(words[i]))) {
            return 1;
        }
    }
    return 0;
}

/* 1 LM, 0 a small head, -1 not known: what the model expression was built by, following
 * wrappers (get_peft_model(model, ...), prepare_model_for_kbit_training(model)) through their
 * first argument. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 3 */
static int model_kind(const analysis *a, uint32_t expr, uint32_t before, int depth)
{
    uint32_t c = hf_assigned_call(a, expr, before);
    if (c == NONE || depth > 3) {
        return -1;
    }
    size_t n;
    const char *t = ntext(a, child_field(a, c, F_FUNCTION), &n);
    if (has_any(t, n, lm_markers)) {
        return 1;
    }
    if (has_any(t, n, small_markers)) {
        return 0;
    }
    uint32_t inner = call_positional(a, c, 0);
    if (inner == NONE) {
        inner = call_kwarg(a, c, "model");
    }
    return inner == NONE ? -1 : model_kind(a, inner, a->nodes[c].sb, depth + 1);
}

/* 1 if the Trainer is a language model's: by the model it is given, else by the file (an LM
 * class named and no small head). */
static int trains_lm(const analysis *a, const hf_trainer *t)
{
    uint32_t m = call_kwarg(a, t->call, "model");
    if (m == NONE) {
        m = call_positional(a, t->call, 0);
    }
    int k = m == NONE ? -1 : model_kind(a, m, a->nodes[t->call].sb, 0);
    if (k >= 0) {
        return k;
    }
    return has_any(a->src, a->len, lm_markers) && !has_any(a->src, a->len, small_markers);
}

/* 1 if a Trainer subclass of this file replaces the evaluation loop (it decides what is kept). */
static int own_eval_loop(const analysis *a, const hf_trainer *t)
{
    char q[256];
    uint32_t f = child_field(a, t->call, F_FUNCTION);
    if (!resolve_name(a, f, q, sizeof q) || strncmp(q, "<local>.", 8) != 0) {
        return 0;
    }
    const defn *cls = find_def(a, q + 8, strlen(q + 8), 1);
    static const char *const methods[] = {"evaluate", "evaluation_loop", "prediction_step",
                                          "prediction_loop", NULL};
    for (int i = 0; cls && methods[i]; i++) {
        if (method_of(a, cls, methods[i], strlen(methods[i]))) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the qualified class name is a TRL trainer other than SFTTrainer: preference and RL
 * trainers (DPO, KTO, ORPO, reward, PPO, GRPO ...) evaluate rewards or log-ratios, not the
 * language model's logits. */
static int trl_non_sft(const char *q)
{
    const char *last = strrchr(q, '.');
    return strncmp(q, "trl.", 4) == 0 && strcmp(last ? last + 1 : q, "SFTTrainer") != 0;
}

/* 1 if the trainer's class is, or derives in this file from, a TRL trainer other than SFT. */
static int preference_trainer(const analysis *a, const hf_trainer *t)
{
    char q[256];
    uint32_t f = child_field(a, t->call, F_FUNCTION);
    if (!resolve_name(a, f, q, sizeof q)) {
        return 0;
    }
    if (trl_non_sft(q)) {
        return 1;
    }
    const defn *cls = strncmp(q, "<local>.", 8) == 0 ? find_def(a, q + 8, strlen(q + 8), 1) : NULL;
    uint32_t sup = cls ? child_field(a, cls->node, F_SUPERCLASSES) : NONE;
    for (uint32_t s = sup == NONE ? NONE : a->nodes[sup].first; s != NONE; s = a->nodes[s].next) {
        char sq[256];
        if (a->nodes[s].named && resolve_name(a, s, sq, sizeof sq) && trl_non_sft(sq)) {
            return 1;
        }
    }
    return 0;
}

/* Something keeps the logits small or never keeps them. */
static int reduced(const analysis *a, const hf_trainer *t)
{
    if (hf_kw_set(a, t->call, "preprocess_logits_for_metrics") ||
        hf_trainer_has(a, t, "preprocess_logits_for_metrics", 0) || own_eval_loop(a, t) ||
        hf_logits_dropped(a, t)) {
        return 1;
    }
    return (t->flags & HFA_REDUCED) != 0;
}

/* 1 if evaluation runs for t; where receives the command line that turns it on for arguments
 * parsed from the command line (empty otherwise). */
static int eval_on(analysis *a, const hf_trainer *t, char *where, size_t cap)
{
    where[0] = '\0';
    if (!t->cli) {
        if (t->ext && (t->flags & HFA_EVAL)) {
            snprintf(where, cap, "%s", t->ext_where); /* the module that built the arguments */
        }
        return hf_eval_runs(a, t);
    }
    int flags = analysis_project(a)
                    ? project_launch_flags(a->project, a->path, LAUNCH_EVAL, where, cap)
                    : 0;
    return (flags & LAUNCH_EVAL) && !(flags & LAUNCH_REDUCED);
}

static void rule_logits_not_reduced(analysis *a)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        hf_trainer t;
        uint32_t tc = a->calls[i];
        if (!hf_trainer_call(a, tc) || !hf_trainer_read(a, tc, &t)) {
            continue;
        }
        uint32_t cm = call_kwarg(a, tc, "compute_metrics");
        int gathered = (cm != NONE && a->nodes[cm].kind != K_NONE) ||
                       hf_trainer_has(a, &t, "compute_metrics", 0);
        char where[320];
        if (!gathered || reduced(a, &t) || preference_trainer(a, &t) || !trains_lm(a, &t) ||
            !eval_on(a, &t, where, sizeof where)) {
            continue;
        }
        /* the compute_metrics=... keyword, else the Trainer's name */
        uint32_t site = cm != NONE && a->nodes[cm].parent != NONE ? a->nodes[cm].parent
                                                                  : child_field(a, tc, F_FUNCTION);
        add_finding(a, site,
                    "compute_metrics receives the language model's full logits (batch x seq_len x "
                    "vocab per step), kept for the whole eval set%s%s; reduce them per batch with "
                    "preprocess_logits_for_metrics (argmax) or set batch_eval_metrics=True",
                    where[0] ? ", evaluation on in " : "", where);
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "On the judged real-code rows: precision 1.00 (7 true findings, no false alarm; one miss,\n"
    "a project's own model class that nothing names a language model).\n"
    "\n"
    "Flags a Hugging Face Trainer (transformers or TRL, subclasses of the file) on a language\n"
    "model (a CausalLM, MaskedLM, Seq2SeqLM, LMHead or ConditionalGeneration class, or a CTC\n"
    "speech model: logits per audio frame over the character vocabulary; through wrappers such\n"
    "as get_peft_model) whose evaluation passes the full logits to\n"
    "compute_metrics: evaluation runs and compute_metrics is set, without\n"
    "preprocess_logits_for_metrics. The Trainer concatenates every batch's\n"
    "batch x seq_len x vocab logits for the whole eval set (1,000 samples of 512 tokens over a\n"
    "32,000-token vocabulary are 65 GB in float32): on the GPU, or in host RAM when\n"
    "eval_accumulation_steps moves them, so that setting (OOM103's fix) does not help here.\n"
    "\n"
    "Not flagged: TRL's SFTTrainer with loss_type unset or \"chunked_nll\" (without Liger):\n"
    "since TRL 1.7 its patched forward returns logits=None, so compute_metrics never sees them.\n"
    "TRL's preference and RL trainers (DPO, KTO, ORPO, reward, PPO, GRPO ...: they\n"
    "evaluate rewards, not vocabulary logits); preprocess_logits_for_metrics set (keyword or\n"
    "attribute),\n"
    "prediction_loss_only=True, batch_eval_metrics=True, predict_with_generate=True (the\n"
    "Trainer keeps generated ids), a Trainer subclass of the file that replaces evaluate() or\n"
    "prediction_step(), classification/QA/multiple-choice heads (small logits, OOM103's case),\n"
    "evaluation that never runs, arguments that cannot be read. Arguments parsed by\n"
    "HfArgumentParser are read from the project's command lines that run the script (a README\n"
    "line naming the script by its bare file name counts when one project script has that name).\n"
    "\n"
    "Bad:\n"
    "    model = AutoModelForCausalLM.from_pretrained(name)\n"
    "    args = TrainingArguments(\"out\", eval_strategy=\"steps\", eval_accumulation_steps=8)\n"
    "    Trainer(model, args, eval_dataset=ds, compute_metrics=perplexity_and_accuracy)  # OOM108\n"
    "Good:\n"
    "    def keep_ids(logits, labels):\n"
    "        return logits.argmax(-1)\n"
    "    Trainer(model, args, eval_dataset=ds, compute_metrics=accuracy_of_ids,\n"
    "            preprocess_logits_for_metrics=keep_ids)\n";

static const char *const needles[] = {"Trainer&compute_metrics", NULL};

const rule_spec oom108_eval_logits_not_reduced = {
    .meta =
        {
            .code = "OOM108",
            .name = "eval-logits-not-reduced",
            .entry = "M15",
            .severity = LINT_SEV_WARNING,
            /* precision 1.00 on 22 judged real-code rows (7 of 8 true locations found) */
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "a language model's full evaluation logits are kept for compute_metrics "
                       "(no preprocess_logits_for_metrics)",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_logits_not_reduced,
};
