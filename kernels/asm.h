/* Symbol boilerplate for every .S file: one place, both arches.
 *
 *   asm_function name[, align]   .globl, .type, .p2align align (log2; default
 *                                none) and the label
 *   asm_end name                 .size, so tools see the routine's extent
 */
.macro asm_function name, align=0
        .globl  \name
        .type   \name, %function
        .p2align \align
\name:
.endm

.macro asm_end name
        .size   \name, .-\name
.endm
