/* The rule registry: every rule the linter knows, in code order. A rule is one file under
 * linter/rules/ (named by its code and slug) defining a `const rule_spec`, and one line in
 * LINT_RULES below; the registry drives the prefilter, the dispatch, rule selection,
 * `--list-rules`, `--explain` and the SARIF rule metadata, so nothing else names a rule. */
#include <pthread.h>

#include "linter/lint_int.h"

/* One line per rule, in code order. */
#define LINT_RULES(X)                                                                              \
    X(oom101_loss_tensor_kept_across_steps)                                                        \
    X(oom102_empty_cache_every_step)                                                               \
    X(oom103_eval_predictions_accumulate_on_gpu)                                                   \
    X(oom104_reentrant_checkpoint_under_ddp)                                                       \
    X(oom105_eval_without_no_grad)                                                                 \
    X(oom106_outputs_kept_across_steps)                                                            \
    X(oom107_torch_load_without_map_location)                                                      \
    X(oom108_eval_logits_not_reduced)                                                              \
    X(oom109_retry_inside_oom_handler)                                                             \
    X(oom110_recurrent_state_not_detached)                                                         \
    X(oom111_backward_create_graph)                                                                \
    X(oom112_rank_device_not_set)                                                                  \
    X(oom113_data_parallel)

#define DECLARE(spec) extern const rule_spec spec;
LINT_RULES(DECLARE)
#undef DECLARE

#define ENTRY(spec) &(spec),
static const rule_spec *const registry[] = {LINT_RULES(ENTRY)};
#undef ENTRY

enum { N_RULES = (int)(sizeof registry / sizeof registry[0]) };
_Static_assert(N_RULES <= LINT_MAX_RULES, "rule masks are 32 bits wide");

/* The public table, copied once from the specs (they live in their rule files). */
static lint_rule table[N_RULES];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (int i = 0; i < N_RULES; i++) {
        table[i] = registry[i]->meta;
    }
}

const rule_spec *const *rule_registry(void)
{
    return registry;
}

int lint_rule_count(void)
{
    return N_RULES;
}

const lint_rule *lint_rules(void)
{
    pthread_once(&table_once, table_init);
    return table;
}

uint32_t lint_rule_all(void)
{
    return N_RULES == 32 ? UINT32_MAX : (1U << N_RULES) - 1U;
}

uint32_t lint_rule_default(void)
{
    uint32_t m = 0;
    for (int i = 0; i < N_RULES; i++) {
        if (!registry[i]->meta.opt_in) {
            m |= 1U << i;
        }
    }
    return m;
}
