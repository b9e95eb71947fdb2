// The benchmark's baseline: the plain loops of dice_scalar_inl.h compiled
// with hardware POPCNT. The _avx2 name is only for the compile flags
// (-mavx2 -mpopcnt); the loops use no vector instructions (the compiler
// cannot vectorise a 64-bit popcount with AVX2).

#include "server/linkage/dice/dice_kernel_internal.h"
#include "server/linkage/dice/dice_scalar_inl.h"

namespace equilink::linkage::dice_internal {

const KernelOps kPopcntBaselineOps = {
    .kernel = DiceKernel::kScalar,
    .group_width = 1,
    .and_popcount = ScalarAndPopcount,
    .dice_many = ScalarDiceMany,
    .match_tile = ScalarMatchTile,
};

}  // namespace equilink::linkage::dice_internal
