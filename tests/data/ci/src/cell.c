/* SPDX-License-Identifier: MIT */
/* One cell of the CI test matrix: a string naming the board, compiled for
 * the cell's -march. */
const char lockstep_ci_cell[] = "lockstep ci cell for " BOARD;
