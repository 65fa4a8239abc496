/* OOM103 eval-predictions-accumulate-on-gpu: a Hugging Face Trainer whose evaluation keeps
 * every batch's logits on the GPU (evaluation runs, predictions are gathered, and nothing moves
 * them off or shrinks them). Only what the file states is judged: arguments built from
 * **config or a parser are not knowable and produce no finding. */
#include <stdio.h>
#include <string.h>

#include "linter/lint_int.h"

/* Something keeps predictions off the GPU or small: on the Trainer, on its arguments (keywords
 * or attributes set later, where they were built). */
static int mitigated(const analysis *a, const hf_trainer *t)
{
    return hf_kw_set(a, t->call, "preprocess_logits_for_metrics") ||
           hf_trainer_has(a, t, "preprocess_logits_for_metrics", 0) ||
           (t->flags & HFA_MITIGATED) != 0;
}

/* A Trainer whose arguments come from the command line: the command lines of the project that
 * run this script (shell scripts, Makefiles, READMEs) say whether evaluation runs, whether
 * predict() runs (--do_predict) and whether accumulation is set. metrics: compute_metrics is
 * set; predict: trainer.predict() is called. */
static void report_cli(analysis *a, const hf_trainer *t, int metrics, int predict,
                       int classification)
{
    char where[320];
    int project = analysis_project(a);
    int flags =
        project ? project_launch_flags(a->project, a->path, LAUNCH_EVAL, where, sizeof where) : 0;
    char who[160] = "";
    int defaults = hf_args_defaults(a, NULL, who, sizeof who);
    if (!(flags & LAUNCH_EVAL) && (defaults & HF_DEFAULT_EVAL)) {
        flags |= LAUNCH_EVAL;
        snprintf(where, sizeof where, "%s", who);
    }
    if (!(flags & LAUNCH_EVAL) || (flags & LAUNCH_MITIGATED) || (defaults & HF_DEFAULT_MITIGATED) ||
        mitigated(a, t)) {
        return;
    }
    const char *why = "compute_metrics is set";
    const char *verb = "turns evaluation on";
    if (!metrics) {
        if (!predict) {
            return;
        }
        /* loss-only evaluation, but predict() gathers: cite the command line that passes
         * --do_predict when there is one */
        why = "predict() is called";
        if (flags & LAUNCH_PREDICT) {
            project_launch_flags(a->project, a->path, LAUNCH_PREDICT, where, sizeof where);
            verb = "passes --do_predict";
        }
    }
    uint32_t callee = child_field(a, t->call, F_FUNCTION);
    size_t cl;
    const char *ct = ntext(a, callee, &cl);
    lint_finding *f = add_finding(
        a, callee,
        "evaluation keeps all predictions on the GPU (%s; %s %s) and no "
        "--eval_accumulation_steps is passed to `%.*s`'s arguments: logits pile up over the "
        "whole eval set; pass it (or set preprocess_logits_for_metrics)",
        why, where, verb, (int)(cl > 60 ? 60 : cl), ct);
    if (f && classification) {
        f->severity = LINT_SEV_INFO;
    }
}

/* Reports the Trainer t whose evaluation gathers predictions on the GPU: at its arguments call,
 * or, for arguments built in another module, where the Trainer is given them. */
static void report(analysis *a, const hf_trainer *t, int predict, int classification)
{
    const char *why = predict ? "predict() is called" : "compute_metrics is set";
    lint_finding *f;
    if (t->ext) {
        f = add_finding(a, t->args_expr,
                        "evaluation keeps all predictions on the GPU (%s) and `%s` built in %s "
                        "sets no eval_accumulation_steps: logits pile up over the whole eval "
                        "set; set it there (or preprocess_logits_for_metrics)",
                        why, t->ext_cls, t->ext_where);
    } else {
        uint32_t site = t->args != NONE ? t->args : t->call;
        uint32_t callee = child_field(a, site, F_FUNCTION);
        size_t cl;
        const char *ct = ntext(a, callee, &cl);
        f = add_finding(a, callee,
                        "evaluation keeps all predictions on the GPU (%s) and `%.*s` sets no "
                        "eval_accumulation_steps: logits pile up over the whole eval set; set "
                        "it (or preprocess_logits_for_metrics)",
                        why, (int)(cl > 60 ? 60 : cl), ct);
    }
    if (f && classification) {
        f->severity = LINT_SEV_INFO;
    }
    if (f && t->args != NONE) {
        fix_add_kwarg(a, f, t->args, "eval_accumulation_steps=16", "Add eval_accumulation_steps=16",
                      LINT_FIX_SAFE);
    }
}

static void rule_eval_accum(analysis *a)
{
    int classification =
        has_bytes(a->src, a->len, "Classification") && !has_bytes(a->src, a->len, "CausalLM") &&
        !has_bytes(a->src, a->len, "Seq2SeqLM") && !has_bytes(a->src, a->len, "MaskedLM") &&
        !has_bytes(a->src, a->len, "ForCTC");
    for (size_t i = 0; i < a->n_calls; i++) {
        hf_trainer t;
        if (!hf_trainer_call(a, a->calls[i]) || !hf_trainer_read(a, a->calls[i], &t)) {
            continue;
        }
        int predict = hf_trainer_has(a, &t, "predict", 1);
        int metrics =
            hf_kw_set(a, t.call, "compute_metrics") || hf_trainer_has(a, &t, "compute_metrics", 0);
        int gathered = predict || metrics;
        if (t.cli) {
            report_cli(a, &t, metrics, predict, classification);
            continue;
        }
        if (!hf_eval_runs(a, &t) || !gathered || mitigated(a, &t) || hf_logits_dropped(a, &t)) {
            continue;
        }
        report(a, &t, predict, classification);
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a Hugging Face Trainer (transformers or TRL, and subclasses defined in the file) whose\n"
    "evaluation keeps predictions: evaluation runs (eval_strategy/evaluation_strategy not \"no\",\n"
    "do_eval=True, or trainer.evaluate()/predict() is called) and predictions are gathered\n"
    "(compute_metrics is set, or predict() is called), without any of eval_accumulation_steps,\n"
    "preprocess_logits_for_metrics, batch_eval_metrics=True or prediction_loss_only=True. The\n"
    "Trainer concatenates every batch's logits on the GPU until the eval set ends: for a\n"
    "language model that is batch x seq_len x vocab floats per step.\n"
    "\n"
    "Arguments parsed from the command line by HfArgumentParser are read from the project's\n"
    "command lines that run the script (shell scripts, Makefiles, READMEs): --do_eval, an\n"
    "evaluation strategy other than no, or --do_predict turn evaluation on, and\n"
    "--eval_accumulation_steps, --prediction_loss_only or --batch_eval_metrics mitigate.\n"
    "Arguments imported from a project module (`from config import training_args`, or\n"
    "`config.training_args`) are read where that module builds them once at its top level; the\n"
    "finding names that place (config.py:12). A factory's result, a name bound twice or\n"
    "rebound after the import, or one whose evaluation settings are reassigned, is not read.\n"
    "\n"
    "Not flagged: TRL's SFTTrainer whose SFTConfig leaves loss_type unset (or \"chunked_nll\")\n"
    "without use_liger_kernel: since TRL 1.7 it patches the model's forward to compute the loss\n"
    "in chunks from the hidden states and return logits=None, so evaluation gathers a few\n"
    "scalars per batch (an older TRL, whose default was \"nll\", kept the logits: pin trl>=1.7\n"
    "or pass loss_type=\"chunked_nll\"); loss_type=\"nll\" or \"dft\" and Liger keep them.\n"
    "A predict() or evaluate() run inside `with patch(\"...Trainer.compute_loss\")` (or\n"
    "prediction_step, evaluation_loop; patch.object alike): a test's mock makes the\n"
    "predictions. Arguments that cannot be read (TrainingArguments(**cfg), a parsed script no\n"
    "command line of the project runs), other libraries' Trainer classes (Lightning,\n"
    "detectron2, fairseq).\n"
    "Severity: warning where the gathered logits are large (language-model, seq2seq and CTC\n"
    "heads: batch x length x vocabulary per step); info for sequence, token and image\n"
    "classification heads (a file that builds one and no large head), whose logits are small.\n"
    "\n"
    "Bad:\n"
    "    args = TrainingArguments(\"out\", eval_strategy=\"steps\")    # OOM103\n"
    "    Trainer(model, args, eval_dataset=ds, compute_metrics=metrics)\n"
    "Good:\n"
    "    args = TrainingArguments(\"out\", eval_strategy=\"steps\", eval_accumulation_steps=16)\n";

static const char *const needles[] = {"Trainer", NULL};

const rule_spec oom103_eval_predictions_accumulate_on_gpu = {
    .meta =
        {
            .code = "OOM103",
            .name = "eval-predictions-accumulate-on-gpu",
            .entry = "M15",
            .severity = LINT_SEV_WARNING,
            .severity_note = "info for classification heads",
            .fixable = LINT_FIXABLE_SOMETIMES,
            .summary = "Hugging Face evaluation gathers all predictions on the GPU (no "
                       "eval_accumulation_steps)",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_eval_accum,
};
