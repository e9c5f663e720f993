/*
 * rules.c - the rule catalogue as data, and its public view for
 * `drvsim rules`.
 */
#include <string.h>

#include "vf/rules.h"

/* The meanings column, ("P1", "P2", "P3", "P4"): as an initialiser, and as a
 * compile-time check that each is a string literal with some text in it, so
 * that a row whose meanings were forgotten or left empty stops the build
 * rather than printing nothing. A row without the column at all already
 * fails: X takes seven arguments. */
#define RULE_PARAMS_INIT(p1, p2, p3, p4)                                                           \
    {                                                                                              \
        p1, p2, p3, p4                                                                             \
    }
#define RULE_PARAMS_GIVEN(p1, p2, p3, p4)                                                          \
    (sizeof("" p1) > 1 && sizeof("" p2) > 1 && sizeof("" p3) > 1 && sizeof("" p4) > 1)
#define RULE_CHECK(id_, code_, sub_param_, sub_value_, option_, text_, params_)                    \
    _Static_assert(RULE_PARAMS_GIVEN params_, "rule " #id_ ": every parameter needs its meaning");
DRVSIM_RULES(RULE_CHECK)
DRVSIM_DDI_RULES(RULE_CHECK)
#undef RULE_CHECK

const rule_row rule_table[RULE_COUNT] = {
#define RULE_ROW(id_, code_, sub_param_, sub_value_, option_, text_, params_)                      \
    [RULE_##id_] = {.id = #id_,                                                                    \
                    .code = code_,                                                                 \
                    .sub_param = sub_param_,                                                       \
                    .sub_value = sub_value_,                                                       \
                    .option = option_,                                                             \
                    .description = text_,                                                          \
                    .param_meaning = RULE_PARAMS_INIT params_},
    DRVSIM_RULES(RULE_ROW) DRVSIM_DDI_RULES(RULE_ROW)
#undef RULE_ROW
};

/* The public rows are built from the same table, once, at compile time. */
static const drvsim_rule_info public_rules[RULE_COUNT] = {
#define RULE_INFO(id_, code_, sub_param_, sub_value_, option_, text_, params_)                     \
    [RULE_##id_] = {.id = #id_,                                                                    \
                    .code = code_,                                                                 \
                    .sub_param = sub_param_,                                                       \
                    .sub_value = sub_value_,                                                       \
                    .option = (option_) == RULE_KERNEL ? 0 : (option_),                            \
                    .kernel = (option_) == RULE_KERNEL,                                            \
                    .drvsim_own = (code_) == 0xC4 && (sub_value_) >= DRVSIM_OWN_SUBCODE_BASE,      \
                    .description = text_,                                                          \
                    .param_meaning = RULE_PARAMS_INIT params_},
    DRVSIM_RULES(RULE_INFO) DRVSIM_DDI_RULES(RULE_INFO)
#undef RULE_INFO
};

/* The DDI compliance rules' watched DDIs and conditions (ddi_rules.spec). */
static const struct {
    const char *watches, *conditions;
} ddi_rule_watch[RULE_COUNT] = {
#define RULE_WATCH(id_, watches_, conditions_)                                                     \
    [RULE_##id_] = {.watches = watches_, .conditions = conditions_},
    DRVSIM_DDI_RULES_WATCH(RULE_WATCH)
#undef RULE_WATCH
};

size_t drvsim_rule_count(void)
{
    return RULE_COUNT;
}

const drvsim_rule_info *drvsim_rule_at(size_t index)
{
    return index < RULE_COUNT ? &public_rules[index] : NULL;
}

const char *drvsim_rule_watches(const drvsim_rule_info *rule)
{
    size_t i = (size_t)(rule - public_rules);
    return i < RULE_COUNT ? ddi_rule_watch[i].watches : NULL;
}

const char *drvsim_rule_conditions(const drvsim_rule_info *rule)
{
    size_t i = (size_t)(rule - public_rules);
    return i < RULE_COUNT ? ddi_rule_watch[i].conditions : NULL;
}

const drvsim_rule_info *drvsim_rule_find(const char *id)
{
    for (size_t i = 0; i < RULE_COUNT; i++) {
        if (strcmp(public_rules[i].id, id) == 0)
            return &public_rules[i];
    }
    return NULL;
}

bool rule_is_warning(rule_id rule)
{
    return strncmp(rule_table[rule].description, RULE_WARNING_PREFIX,
                   sizeof RULE_WARNING_PREFIX - 1) == 0;
}
