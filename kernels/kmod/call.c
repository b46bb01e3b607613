// SPDX-License-Identifier: GPL-2.0
/*
 * CALL: the cheapest hypercall through the kernel's SMCCC helpers (arm64) or
 * KVM's no-op hypercall (x86_64), sample by sample against a call to an
 * empty function and an empty timed region. dmabench_alternate() is also
 * XEN_CALL's loop (xen.c).
 */
#include <linux/interrupt.h>
#include <linux/of.h>
#include <linux/string.h>

#if defined(CONFIG_ARM64)
#include <linux/arm-smccc.h>
#include <uapi/linux/psci.h>
#else
#include <linux/kvm_para.h>
#endif

#include "dmabench.h"

#if defined(CONFIG_ARM64)
static bool dmabench_smccc_1_1;  /* inline fast path: only x0-x3 clobbered */

/* SMCCC v1.0: PSCI_VERSION, which every PSCI 0.2+ firmware answers, by the
 * conduit the device tree gives PSCI (the one the kernel uses). */
static void dmabench_probe_psci(struct dmabench_info *info)
{
	static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2" };
	const char *method = NULL;
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(psci_compat) && !method; k++) {
		struct device_node *np = of_find_compatible_node(NULL, NULL, psci_compat[k]);

		if (np && of_property_read_string(np, "method", &method))
			method = NULL;
		of_node_put(np);
	}
	if (method && (!strcmp(method, "hvc") || !strcmp(method, "smc"))) {
		info->conduit = method[0] == 'h' ? DMABENCH_CONDUIT_HVC : DMABENCH_CONDUIT_SMC;
		info->hypercall_fn = PSCI_0_2_FN_PSCI_VERSION;
		snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
			 "PSCI_VERSION by %s #0 (SMCCC v1.0 out-of-line call)", method);
		return;
	}
	info->conduit = DMABENCH_CONDUIT_NONE;
	snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
		 "no conduit: no SMCCC v1.1 and no PSCI 0.2+ device-tree node");
}

void dmabench_probe_hypercall(struct dmabench_info *info)
{
	enum arm_smccc_conduit c = arm_smccc_1_1_get_conduit();

	if (c != SMCCC_CONDUIT_HVC && c != SMCCC_CONDUIT_SMC) {
		dmabench_probe_psci(info);
		return;
	}
	dmabench_smccc_1_1 = true;
	info->flags |= DMABENCH_INFO_SMCCC_1_1;
	info->conduit = c == SMCCC_CONDUIT_HVC ? DMABENCH_CONDUIT_HVC : DMABENCH_CONDUIT_SMC;
	info->hypercall_fn = ARM_SMCCC_VERSION_FUNC_ID;
	snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
		 "SMCCC_VERSION by %s (SMCCC v1.1 inline call)",
		 c == SMCCC_CONDUIT_HVC ? "hvc #0" : "smc #0");
}

/* Ticks for batch hypercalls; *ret gets the last call's result register. */
static u64 dmabench_time_hypercalls(u32 batch, s64 *ret)
{
	u32 fn = dmabench_info.hypercall_fn;
	struct arm_smccc_res res = { 0 };
	u64 t;

	if (dmabench_smccc_1_1 && dmabench_info.conduit == DMABENCH_CONDUIT_HVC)
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_1_1_hvc(fn, &res));
	else if (dmabench_smccc_1_1)
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_1_1_smc(fn, &res));
	else if (dmabench_info.conduit == DMABENCH_CONDUIT_HVC)
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_hvc(fn, 0, 0, 0, 0, 0, 0, 0, &res));
	else
		t = DMABENCH_TIME_BATCH(batch, arm_smccc_smc(fn, 0, 0, 0, 0, 0, 0, 0, &res));
	*ret = (s64)res.a0;
	return t;
}
#else
void dmabench_probe_hypercall(struct dmabench_info *info)
{
	if (kvm_para_available()) {
		info->conduit = DMABENCH_CONDUIT_VMCALL;
		info->hypercall_fn = KVM_HC_VAPIC_POLL_IRQ;
		snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
			 "KVM_HC_VAPIC_POLL_IRQ (KVM's no-op hypercall) by vmcall/vmmcall");
		return;
	}
	info->conduit = DMABENCH_CONDUIT_NONE;
	snprintf(info->hypercall_note, DMABENCH_NOTE_LEN,
		 "no conduit: not a KVM guest (no KVM CPUID signature)");
}

static u64 dmabench_time_hypercalls(u32 batch, s64 *ret)
{
	u32 fn = dmabench_info.hypercall_fn;
	long r = 0;
	u64 t = DMABENCH_TIME_BATCH(batch, r = kvm_hypercall0(fn));

	*ret = r;
	return t;
}
#endif

static u64 dmabench_time_smccc(u32 batch, void *ret)
{
	return dmabench_time_hypercalls(batch, ret);
}

/* The baseline: a real call and return the compiler must keep. */
static noinline void dmabench_empty(void)
{
	barrier();
}

/* The empty call beside another operation, one round's sample each. */
struct dmabench_pair {
	u32 batch;
	u64 *call, *timer, *other_ticks;
	u64 (*other)(u32 batch, void *ctx);
	void *ctx;
};

/* Interrupts off; which side goes first alternates, so neither always
 * follows the other. */
static long dmabench_pair_round(void *ctx, u32 k, u32 slot)
{
	struct dmabench_pair *p = ctx;
	unsigned long flags;

	local_irq_save(flags);
	if (k & 1)
		p->call[slot] = DMABENCH_TIME_BATCH(p->batch, dmabench_empty());
	if (p->other)
		p->other_ticks[slot] = p->other(p->batch, p->ctx);
	if (!(k & 1))
		p->call[slot] = DMABENCH_TIME_BATCH(p->batch, dmabench_empty());
	if (p->timer)
		p->timer[slot] = DMABENCH_TIME_BATCH(0, (void)0);
	local_irq_restore(flags);
	return 0;
}

/*
 * Samples of the empty call beside `other` (a hypercall; none when other is
 * NULL), one sample each per round with interrupts off. timer, when set,
 * gets the cost of an empty timed region.
 */
long dmabench_alternate(u32 samples, u32 batch, u64 *call, u64 *timer, u64 *other_ticks,
			u64 (*other)(u32 batch, void *ctx), void *ctx)
{
	struct dmabench_pair p = { batch, call, timer, other_ticks, other, ctx };

	return dmabench_rounds(samples, dmabench_pair_round, &p);
}

/* With no conduit the hypercall's block stays zero and its statistics
 * empty (samples 0). */
long dmabench_call(struct dmabench_call_req *r, struct dmabench_samples *s)
{
	bool hyper = dmabench_info.conduit != DMABENCH_CONDUIT_NONE;
	long err = dmabench_samples_alloc(s, r->samples, r->batch);

	if (err)
		return err;
	s->batch[dmabench_row(s, &r->timer)] = 1;  /* an empty region, batch 1 */
	if (!hyper)
		s->batch[dmabench_row(s, &r->hypercall)] = 0;
	return dmabench_alternate(r->samples, r->batch, dmabench_samples_of(s, &r->call),
				  dmabench_samples_of(s, &r->timer),
				  dmabench_samples_of(s, &r->hypercall),
				  hyper ? dmabench_time_smccc : NULL, &r->hypercall_ret);
}
