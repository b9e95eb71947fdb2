// Microbenchmarks for the RFC 9497 OPRF (P256-SHA256): the key custodian's
// batched BlindEvaluate, and the client's Blind and Finalize, which together
// are the client's cost per identifier (network and the custodian excluded).
// Run with --benchmark_filter=... ; the Threads(2) rows use both cores.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/crypto/hash_to_curve.h"
#include "common/crypto/oprf_p256.h"
#include "common/status/check.h"

namespace equilink {
namespace {

std::unique_ptr<OprfP256Server> MakeServer() {
  auto key = OprfP256Server::DeriveKey(std::string(32, '\x5a'), "bench key");
  EQ_CHECK(key.ok());
  auto server = OprfP256Server::Create(*key);
  EQ_CHECK(server.ok());
  return *std::move(server);
}

std::unique_ptr<OprfP256Client> MakeClient() {
  auto client = OprfP256Client::Create();
  EQ_CHECK(client.ok());
  return *std::move(client);
}

// Ten-digit, NHS-number-shaped inputs.
std::string Input(int i) { return absl::StrCat(9000000000LL + i * 7919LL); }

// Shared by all benchmark threads: every method is const and thread-safe.
const OprfP256Server& Server() {
  static const OprfP256Server* const server = MakeServer().release();
  return *server;
}
const OprfP256Client& Client() {
  static const OprfP256Client* const client = MakeClient().release();
  return *client;
}

void BM_BlindEvaluateBatch(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  std::vector<std::string> elements;
  for (int i = 0; i < batch; ++i) {
    auto blinded = Client().Blind(Input(i + 100000 * state.thread_index()));
    EQ_CHECK(blinded.ok());
    elements.push_back(std::move(blinded->blinded_element));
  }
  const std::vector<absl::string_view> views(elements.begin(), elements.end());
  for (auto _ : state) {
    auto evaluated = Server().BlindEvaluateBatch(views);
    EQ_CHECK(evaluated.ok());
    benchmark::DoNotOptimize(evaluated);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_BlindEvaluateBatch)
    ->Arg(1)
    ->Arg(1000)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_ClientBlind(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    auto blinded = Client().Blind(Input(i++));
    EQ_CHECK(blinded.ok());
    benchmark::DoNotOptimize(blinded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientBlind)->Threads(1)->Threads(2)->UseRealTime();

void BM_ClientFinalize(benchmark::State& state) {
  // Finalize's cost does not depend on the values, so one triple suffices.
  const std::string input = Input(state.thread_index());
  auto blinded = Client().Blind(input);
  EQ_CHECK(blinded.ok());
  auto evaluated = Server().BlindEvaluate(blinded->blinded_element);
  EQ_CHECK(evaluated.ok());
  for (auto _ : state) {
    auto output = Client().Finalize(input, blinded->blind, *evaluated);
    EQ_CHECK(output.ok());
    benchmark::DoNotOptimize(output);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientFinalize)->Threads(1)->Threads(2)->UseRealTime();

// Blind + Finalize per identifier, timed together; the custodian's
// evaluation is done in a paused section so only client work counts.
void BM_ClientBlindFinalize(benchmark::State& state) {
  const int kBatch = 256;
  std::vector<std::string> inputs;
  for (int i = 0; i < kBatch; ++i) {
    inputs.push_back(Input(i + 100000 * state.thread_index()));
  }
  std::vector<OprfP256BlindedInput> blinded(kBatch);
  std::vector<absl::string_view> views(kBatch);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      auto b = Client().Blind(inputs[i]);
      EQ_CHECK(b.ok());
      blinded[i] = *std::move(b);
      views[i] = blinded[i].blinded_element;
    }
    state.PauseTiming();
    auto evaluated = Server().BlindEvaluateBatch(views);
    EQ_CHECK(evaluated.ok());
    state.ResumeTiming();
    for (int i = 0; i < kBatch; ++i) {
      auto output =
          Client().Finalize(inputs[i], blinded[i].blind, (*evaluated)[i]);
      EQ_CHECK(output.ok());
      benchmark::DoNotOptimize(output);
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ClientBlindFinalize)->Threads(1)->Threads(2)->UseRealTime();

// As above, but Finalize for the whole batch at once (one inversion).
void BM_ClientBlindFinalizeBatch(benchmark::State& state) {
  const int kBatch = 256;
  std::vector<std::string> inputs;
  for (int i = 0; i < kBatch; ++i) {
    inputs.push_back(Input(i + 100000 * state.thread_index()));
  }
  const std::vector<absl::string_view> input_views(inputs.begin(),
                                                   inputs.end());
  std::vector<OprfP256BlindedInput> blinded(kBatch);
  std::vector<absl::string_view> views(kBatch);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      auto b = Client().Blind(inputs[i]);
      EQ_CHECK(b.ok());
      blinded[i] = *std::move(b);
      views[i] = blinded[i].blinded_element;
    }
    state.PauseTiming();
    auto evaluated = Server().BlindEvaluateBatch(views);
    EQ_CHECK(evaluated.ok());
    const std::vector<absl::string_view> evaluated_views(evaluated->begin(),
                                                         evaluated->end());
    state.ResumeTiming();
    auto outputs =
        Client().FinalizeBatch(input_views, blinded, evaluated_views);
    EQ_CHECK(outputs.ok());
    benchmark::DoNotOptimize(outputs);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ClientBlindFinalizeBatch)->Threads(1)->Threads(2)->UseRealTime();

void BM_Evaluate(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    auto output = Server().Evaluate(Input(i++));
    EQ_CHECK(output.ok());
    benchmark::DoNotOptimize(output);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Evaluate);

void BM_HashToCurve(benchmark::State& state) {
  auto h2c = P256HashToCurve::Create();
  EQ_CHECK(h2c.ok());
  int i = 0;
  for (auto _ : state) {
    auto point = (*h2c)->HashToCurveBytes(Input(i++), "bench-dst");
    EQ_CHECK(point.ok());
    benchmark::DoNotOptimize(point);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashToCurve);

}  // namespace
}  // namespace equilink
