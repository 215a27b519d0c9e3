/*
 * wordstats, in C with wasi-libc (malloc, qsort, printf): counts the words of a message and
 * returns "total=<n> unique=<u> top=<word>:<count>,..." with the three most frequent words
 * (ties by word, bytewise). Words are runs of bytes other than ASCII whitespace, ASCII letters
 * lowercased. printf goes to the function's log through WASI stdout.
 *
 *   clang-19 --target=wasm32-wasi -mexec-model=reactor -O2 -I sdk/c wordstats.c -o wordstats_c.wasm
 */
#define PULSAR_WASM_IMPLEMENTATION
#include "pulsar_wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *ptr;
    uint32_t len;
} word;

typedef struct {
    word w;
    uint32_t count;
} tally;

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int word_cmp(word a, word b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.ptr, b.ptr, n);
    if (c) return c;
    return (a.len > b.len) - (a.len < b.len);
}

static int by_word(const void *a, const void *b) { return word_cmp(*(const word *)a, *(const word *)b); }

static int by_count(const void *a, const void *b) {
    const tally *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return word_cmp(x->w, y->w);
}

static pw_buf out;

static pw_result wordstats(pw_bytes value) {
    char *text = malloc(value.len + 1);
    word *words = malloc(sizeof(word) * (value.len / 2 + 1));
    if (!text || !words) return pw_error_lit("out of memory");
    for (uint32_t i = 0; i < value.len; i++) {
        unsigned char c = value.ptr[i];
        text[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    uint32_t total = 0;
    for (uint32_t i = 0; i < value.len;) {
        while (i < value.len && is_space((unsigned char)text[i])) i++;
        uint32_t start = i;
        while (i < value.len && !is_space((unsigned char)text[i])) i++;
        if (i > start) words[total++] = (word){text + start, i - start};
    }
    qsort(words, total, sizeof(word), by_word);
    tally *tallies = malloc(sizeof(tally) * (total + 1));
    uint32_t unique = 0;
    for (uint32_t i = 0; i < total; i++) {
        if (unique && word_cmp(tallies[unique - 1].w, words[i]) == 0) {
            tallies[unique - 1].count++;
        } else {
            tallies[unique++] = (tally){words[i], 1};
        }
    }
    qsort(tallies, unique, sizeof(tally), by_count);
    out.len = 0;
    char head[64];
    int n = snprintf(head, sizeof head, "total=%u unique=%u top=", total, unique);
    pw_buf_put(&out, head, (uint32_t)n);
    for (uint32_t i = 0; i < unique && i < 3; i++) {
        if (i) pw_buf_byte(&out, ',');
        pw_buf_put(&out, tallies[i].w.ptr, tallies[i].w.len);
        n = snprintf(head, sizeof head, ":%u", tallies[i].count);
        pw_buf_put(&out, head, (uint32_t)n);
    }
    printf("wordstats: %u words, %u distinct\n", total, unique);
    free(tallies);
    free(words);
    free(text);
    return pw_buf_value(&out);
}

PULSAR_MAIN(wordstats)
