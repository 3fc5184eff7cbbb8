/* forecast: Holt's linear smoothing at irregular times, with clears and cycles (forecast.h). */
#include "model/forecast.h"

#include <errno.h>
#include <math.h>

struct forecast__params forecast__defaults(void)
{
	return (struct forecast__params){
		.level_tau_s = 60,
		.trend_tau_s = 600,
		.min_samples = 10,
		.min_history_s = 600,
		.drop_frac = 0.5,
		.drop_sigmas = 4,
		.cycle_slack = 1.25,
		.cycle_horizon_s = 21600,
	};
}

void forecast__init(struct forecast *f, const struct forecast__params *p)
{
	struct forecast__params d = forecast__defaults();

	*f = (struct forecast){0};
	if (p) {
		if (p->level_tau_s > 0)
			d.level_tau_s = p->level_tau_s;
		if (p->trend_tau_s > 0)
			d.trend_tau_s = p->trend_tau_s;
		if (p->min_samples > 0)
			d.min_samples = p->min_samples;
		if (p->min_history_s > 0)
			d.min_history_s = p->min_history_s;
		if (p->drop_frac > 0 && p->drop_frac < 1)
			d.drop_frac = p->drop_frac;
		if (p->drop_sigmas > 0)
			d.drop_sigmas = p->drop_sigmas;
		if (p->cycle_slack > 0)
			d.cycle_slack = p->cycle_slack;
		if (p->cycle_horizon_s != 0)
			d.cycle_horizon_s = p->cycle_horizon_s;
	}
	if (d.min_samples < 2)
		d.min_samples = 2;
	f->p = d;
}

static void restart(struct forecast *f, double t, double y)
{
	f->level = y;
	f->trend = 0;
	f->t_reset = t;
	f->cycle_peak = y;
	f->n = 1;
	f->s_t = 0;
	f->s_y = y;
	f->s_tt = 0;
	f->s_ty = 0;
}

static bool warming_up(const struct forecast *f)
{
	return f->n < f->p.min_samples || f->t_last - f->t_reset < f->p.min_history_s;
}

/* Level (at the last sample) and trend from the least-squares line through the warm-up. */
static void warmup_fit(struct forecast *f, double t, double y)
{
	double x = t - f->t_reset, n, den, slope;

	f->s_t += x;
	f->s_y += y;
	f->s_tt += x * x;
	f->s_ty += x * y;
	n = f->n + 1;
	den = n * f->s_tt - f->s_t * f->s_t;
	slope = den > 0 ? (n * f->s_ty - f->s_t * f->s_y) / den : 0;
	f->trend = slope;
	f->level = (f->s_y - slope * f->s_t) / n + slope * x;
}

static void end_cycle(struct forecast *f, double t)
{
	struct forecast__cycle *c = &f->cycles[f->ncycles % FORECAST_CYCLES];

	c->t_clear = t;
	c->peak = f->cycle_peak;
	c->length_s = t - f->t_reset;
	f->ncycles++;
	f->clears++;
}

int forecast__update(struct forecast *f, double t, double y)
{
	double dt, a, b, pred, resid, level, sd;

	if (!isfinite(t) || !isfinite(y) || y < 0)
		return -EINVAL;
	if (f->samples == 0) {
		f->t_first = f->t_last = t;
		f->samples = 1;
		f->resid_var = 0;
		restart(f, t, y);
		return 0;
	}
	if (!(t > f->t_last))
		return -EINVAL;
	dt = t - f->t_last;
	f->t_last = t;
	f->samples++;

	pred = f->level + f->trend * dt;
	resid = y - pred;
	/* A clear: far below the level, both relatively and against the noise seen so far. The
	 * first samples carry no noise estimate, so no clear is called before the third. */
	sd = sqrt(f->resid_var);
	if (f->samples > 2 && y < f->level * (1 - f->p.drop_frac) &&
	    f->level - y > f->p.drop_sigmas * sd) {
		end_cycle(f, t);
		restart(f, t, y);
		return 1;
	}

	a = -expm1(-dt / f->p.level_tau_s);
	b = -expm1(-dt / f->p.trend_tau_s);
	if (f->n > 1)
		f->resid_var += a * (resid * resid - f->resid_var);
	if (warming_up(f)) {
		warmup_fit(f, t, y);
	} else {
		level = pred + a * resid;
		f->trend += b * ((level - f->level) / dt - f->trend);
		f->level = level;
	}
	if (y > f->cycle_peak)
		f->cycle_peak = y;
	f->n++;
	return 0;
}

/* Condition (a) and (b) of forecast.h: within a cycle expected to be cleared first. */
static bool in_cycle(const struct forecast *f, double now, double level, double limit)
{
	double max_peak = -INFINITY, max_len = 0, since, expect;
	unsigned i, k;

	if (f->p.cycle_horizon_s < 0 || f->ncycles == 0)
		return false;
	k = f->ncycles < FORECAST_CYCLES ? f->ncycles : FORECAST_CYCLES;
	for (i = 0; i < k; i++) {
		const struct forecast__cycle *c = &f->cycles[i];

		if (now - c->t_clear > f->p.cycle_horizon_s)
			continue;
		if (c->peak > max_peak)
			max_peak = c->peak;
		if (c->length_s > max_len)
			max_len = c->length_s;
	}
	if (max_len <= 0)
		return false;
	if (level <= max_peak)
		return true;
	since = now - f->t_reset;
	if (since >= f->p.cycle_slack * max_len)
		return false;
	expect = since < max_len ? max_len - since : 0;
	return level + f->trend * expect < limit;
}

enum forecast__verdict forecast__eta(const struct forecast *f, double now, double limit,
				     double *eta_s)
{
	enum forecast__verdict v;
	double level, eta = INFINITY;

	if (!(limit > 0) || !isfinite(limit)) {
		v = FORECAST__NO_LIMIT;
		goto out;
	}
	if (f->samples == 0 || warming_up(f)) {
		v = FORECAST__WARMUP;
		goto out;
	}
	if (!(now >= f->t_last))
		now = f->t_last;
	level = f->level + f->trend * (now - f->t_last);
	if (f->level >= limit || level >= limit) {
		v = FORECAST__REACHED;
		eta = 0;
		goto out;
	}
	if (!(f->trend > 0)) {
		v = FORECAST__NEVER;
		goto out;
	}
	if (in_cycle(f, now, level, limit)) {
		v = FORECAST__CYCLE;
		goto out;
	}
	v = FORECAST__ETA;
	eta = (limit - level) / f->trend;
out:
	if (eta_s)
		*eta_s = eta;
	return v;
}

bool forecast__warn(const struct forecast *f, double now, double limit, double threshold_s)
{
	double eta;
	enum forecast__verdict v = forecast__eta(f, now, limit, &eta);

	return (v == FORECAST__ETA || v == FORECAST__REACHED) && eta <= threshold_s;
}

const char *forecast__verdict_name(enum forecast__verdict v)
{
	switch (v) {
	case FORECAST__ETA:
		return "eta";
	case FORECAST__REACHED:
		return "reached";
	case FORECAST__NEVER:
		return "never";
	case FORECAST__WARMUP:
		return "warmup";
	case FORECAST__CYCLE:
		return "cycle";
	case FORECAST__NO_LIMIT:
		return "no_limit";
	}
	return "?";
}
