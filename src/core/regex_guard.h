/* A guard in front of regcomp(3) for regular expressions read from data files the user may
 * write (fingerprint rules, catalogue model patterns, factory-certificate patterns).
 *
 * glibc compiles an extended regex into an automaton whose size can grow exponentially with
 * stacked and nested repetitions ("a++++++", "((a{30}){30}){30}"): a two-hundred-byte pattern can
 * take gigabytes. The patterns voipsec needs are short and simple, so rather than trust the
 * compiler with anything, patterns outside these limits are refused with a reason. */
#ifndef VS_CORE_REGEX_GUARD_H
#define VS_CORE_REGEX_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#define VS__REGEX_MAX_LEN 256   /* bytes */
#define VS__REGEX_MAX_BOUND 16  /* largest m or n in {m,n} */
#define VS__REGEX_MAX_BOUNDS 4  /* {m,n} repetitions in one pattern */
#define VS__REGEX_MAX_DEPTH 8   /* nested groups */

/* true when pattern is within the limits above and has no repetition operator applied directly
 * to another one ("a+*", "a{2}+": undefined in POSIX EREs anyway); false with a short reason in
 * why (always terminated). */
bool vs__regex_guard(const char *pattern, char *why, size_t whylen);

#endif
