// SPDX-License-Identifier: GPL-2.0
/*
 * xen_domu: the smallest second domain that grants dom0 a page, for
 * system.arm64_xen's foreign-page maps. Xen starts it at boot (dom0less: a
 * "xen,domain" node in the device tree) as an arm64 Image, MMU off.
 *
 * It maps grant-table frame 0 at Xen's guest grant-table base
 * (XENMEM_add_to_physmap), writes grant 8 (0-7 are reserved): dom0 (domid 0)
 * may access `shared`, a page that starts with "dmabench", then idles in WFI.
 * dom0 finds it as domid 1 (the first dom0less domain), gref 8.
 *
 * With the MMU off its stores are uncached; that is safe here because QEMU's
 * TCG has no caches to disagree with (a real board would need the MMU on).
 *
 *   aarch64-linux-gnu-gcc -nostdlib -static -Wl,-Ttext=0 -o x.elf xen_domu.S
 *   aarch64-linux-gnu-objcopy -O binary x.elf xen_domu.img
 */
#define XEN_HVC_IMM 0xea1
#define HYPERVISOR_memory_op 12
#define XENMEM_add_to_physmap 7
#define XENMAPSPACE_grant_table 1
#define DOMID_SELF 0x7ff0
#define GNTTAB_BASE 0x38000000  /* GUEST_GNTTAB_BASE, public/arch-arm.h */
#define GREF 8
#define GTF_permit_access 1

	.text
	.globl _start
_start:                          /* the arm64 Image header (64 bytes) */
	b	start
	.long	0
	.quad	0                    /* text_offset */
	.quad	image_end - _start   /* image_size */
	.quad	0xa                  /* little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0
	.ascii	"ARM\x64"           /* magic */
	.long	0

start:
	adr	x1, xatp                 /* grant-table frame 0 at GNTTAB_BASE */
	mov	x0, #XENMEM_add_to_physmap
	mov	x16, #HYPERVISOR_memory_op
	hvc	#XEN_HVC_IMM
	cbnz	x0, idle                 /* no grant table: dom0's map then fails */

	adr	x2, shared               /* the page's frame, as the grant's */
	lsr	x3, x2, #12
	ldr	x4, =GNTTAB_BASE + GREF * 8
	strh	wzr, [x4, #2]            /* domid 0 */
	str	w3, [x4, #4]             /* frame */
	dmb	ishst                    /* entry before its flags */
	mov	w5, #GTF_permit_access
	strh	w5, [x4]
idle:
	wfi
	b	idle

	.ltorg
	.balign	8
xatp:                            /* struct xen_add_to_physmap */
	.short	DOMID_SELF           /* domid */
	.short	0                    /* size */
	.long	XENMAPSPACE_grant_table
	.quad	0                    /* idx: frame 0 */
	.quad	GNTTAB_BASE >> 12    /* gpfn */

	.balign	4096
shared:
	.ascii	"dmabench: a page of d1 granted to d0\0"
	.balign	4096
image_end:
