/* tui: the full-screen view of `mapscope top` on a terminal (ncursesw): one row per map with a
 * sparkline of its len, or ('s') one row per creation site; the interval's growths in a bottom
 * pane (or 'a': the advice), sorting keys. */
#ifndef MAPSCOPE_OUTPUT_TUI_H
#define MAPSCOPE_OUTPUT_TUI_H

struct gobin;
struct registry;
struct top_frame;
struct tui;

/* Takes over the terminal on stdout, keys from stdin. Returns 0 or a negative errno (message
 * set with err__set()); the terminal is untouched on failure. */
int tui__open(struct tui **out);
/* Draws one interval, with its growths (f->growths, copied here). gb, r and f must stay valid
 * until the next call or tui__free(): a key redraws from them. */
void tui__frame(struct tui *t, const struct gobin *gb, struct registry *r,
		const struct top_frame *f);
enum { TUI_NONE, TUI_QUIT, TUI_ADVICE };
/* Handles the pending keys without blocking. Returns TUI_QUIT when the user asked to quit,
 * TUI_ADVICE when they asked for the advice (the caller works it out: tui__note), else
 * TUI_NONE. */
int tui__key(struct tui *t);
/* Shows text (lines) in the bottom pane instead of the growths until 'a' hides it. */
void tui__note(struct tui *t, const char *text);
/* Gives the terminal back as it was. NULL-safe. */
void tui__free(struct tui *t);

#endif
