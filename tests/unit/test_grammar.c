/* The fetched tree-sitter Python grammar: it links, its ABI is one this libtree-sitter loads,
 * and it parses Python into the tree the linter expects. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

START_TEST(grammar_abi_is_loadable)
{
    uint32_t v = ts_language_version(tree_sitter_python());
    ck_assert_uint_ge(v, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
    ck_assert_uint_le(v, TREE_SITTER_LANGUAGE_VERSION);
    TSParser *p = ts_parser_new();
    ck_assert(ts_parser_set_language(p, tree_sitter_python()));
    ts_parser_delete(p);
}
END_TEST

START_TEST(grammar_parses_a_training_step)
{
    const char *src = "for batch in loader:\n"
                      "    loss = criterion(model(batch), batch.y)\n"
                      "    loss.backward()\n"
                      "    losses.append(loss.item())\n";
    TSParser *p = ts_parser_new();
    ts_parser_set_language(p, tree_sitter_python());
    TSTree *t = ts_parser_parse_string(p, NULL, src, (uint32_t)strlen(src));
    TSNode root = ts_tree_root_node(t);
    ck_assert_str_eq(ts_node_type(root), "module");
    ck_assert(!ts_node_has_error(root));
    TSNode loop = ts_node_named_child(root, 0);
    ck_assert_str_eq(ts_node_type(loop), "for_statement");
    char *sexp = ts_node_string(root);
    ck_assert_ptr_nonnull(strstr(sexp, "(call function: (attribute object: (identifier) "
                                       "attribute: (identifier))"));
    free(sexp);
    ts_tree_delete(t);
    /* Broken input still parses, with the error marked. */
    t = ts_parser_parse_string(p, NULL, "def f(:\n", 8);
    ck_assert(ts_node_has_error(ts_tree_root_node(t)));
    ts_tree_delete(t);
    ts_parser_delete(p);
}
END_TEST

Suite *suite_grammar(void);
Suite *suite_grammar(void)
{
    Suite *s = suite_create("grammar");
    TCase *tc = tcase_create("python");
    tcase_add_test(tc, grammar_abi_is_loadable);
    tcase_add_test(tc, grammar_parses_a_training_step);
    suite_add_tcase(s, tc);
    return s;
}
