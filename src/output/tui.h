/* tui: the full-screen view of `mapscope top` on a terminal (ncursesw): one row per map with a
 * sparkline of its len, or ('s') one row per creation site; the interval's growths in a bottom
 * pane, sorting keys. */
#ifndef MAPSCOPE_OUTPUT_TUI_H
#define MAPSCOPE_OUTPUT_TUI_H

struct gobin;
struct registry;
struct top_frame;
struct tui;

/* Takes over the terminal on stdout, keys from stdin. Returns 0 or a negative errno (message
 * set with err__set()); the terminal is untouched on failure. */
int tui__open(struct tui **out);
/* Draws one interval and takes its growths (registry__take_growths()). gb, r and f must stay
 * valid until the next call or tui__free(): a key redraws from them. */
void tui__frame(struct tui *t, const struct gobin *gb, struct registry *r,
		const struct top_frame *f);
/* Handles the pending keys without blocking. Returns 1 when the user asked to quit, else 0. */
int tui__key(struct tui *t);
/* Gives the terminal back as it was. NULL-safe. */
void tui__free(struct tui *t);

#endif
