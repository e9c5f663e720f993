/*
 * rules.c - the rule catalogue as data, and its public view for
 * `drvsim rules`.
 */
#include <string.h>

#include "vf/rules.h"

const rule_row rule_table[RULE_COUNT] = {
#define RULE_ROW(id_, code_, sub_param_, sub_value_, option_, text_)                               \
    [RULE_##id_] = {.id = #id_,                                                                    \
                    .code = code_,                                                                 \
                    .sub_param = sub_param_,                                                       \
                    .sub_value = sub_value_,                                                       \
                    .option = option_,                                                             \
                    .description = text_},
    DRVSIM_RULES(RULE_ROW)
#undef RULE_ROW
};

/* The public rows are built from the same table, once, at compile time. */
static const drvsim_rule_info public_rules[RULE_COUNT] = {
#define RULE_INFO(id_, code_, sub_param_, sub_value_, option_, text_)                              \
    [RULE_##id_] = {.id = #id_,                                                                    \
                    .code = code_,                                                                 \
                    .sub_param = sub_param_,                                                       \
                    .sub_value = sub_value_,                                                       \
                    .option = (option_) == RULE_KERNEL ? 0 : (option_),                            \
                    .kernel = (option_) == RULE_KERNEL,                                            \
                    .description = text_},
    DRVSIM_RULES(RULE_INFO)
#undef RULE_INFO
};

size_t drvsim_rule_count(void)
{
    return RULE_COUNT;
}

const drvsim_rule_info *drvsim_rule_at(size_t index)
{
    return index < RULE_COUNT ? &public_rules[index] : NULL;
}

const drvsim_rule_info *drvsim_rule_find(const char *id)
{
    for (size_t i = 0; i < RULE_COUNT; i++) {
        if (strcmp(public_rules[i].id, id) == 0)
            return &public_rules[i];
    }
    return NULL;
}
