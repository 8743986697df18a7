// The expression layer in one include: element types, the typed graph, expression nodes and
// operators, lowering, printing/hashing, and the reference evaluator. Needs only the standard
// library.
#pragma once

#include "expr/evaluate.hpp"
#include "expr/gather.hpp"
#include "expr/graph.hpp"
#include "expr/loops.hpp"
#include "expr/nodes.hpp"
#include "expr/print.hpp"
#include "expr/to_graph.hpp"
#include "expr/types.hpp"
