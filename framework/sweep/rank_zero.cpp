#include "sweep/rank_zero.hpp"

#include "core/error.hpp"

namespace atrous {

Collective* worker_ranks() {
  if (!Collective::launched_by_mpi()) return nullptr;  // srun's PMIx tells no size before MPI starts
  Collective& comm = Collective::world();
  return comm.size() > 1 ? &comm : nullptr;
}

RankDecision share_decision(Collective& comm, const RankDecision& decision) {
  std::string text;
  if (comm.root())
    text = (decision.exit_code ? nlohmann::json{{"exit", *decision.exit_code}}
                               : nlohmann::json{{"config", decision.config}})
               .dump();
  comm.broadcast(text);
  const auto message = nlohmann::json::parse(text);
  RankDecision out;
  if (message.contains("exit")) out.exit_code = message["exit"].get<int>();
  else out.config = message["config"];
  return out;
}

bool share_flag(Collective& comm, bool value) {
  std::string text = value ? "1" : "0";
  comm.broadcast(text);
  return text == "1";
}

int follow_rank_zero(Collective& comm, const std::string& run_id, const std::string& out_dir) {
  const RankDecision decision = share_decision(comm);
  if (decision.exit_code) return *decision.exit_code;
  NoRecorder nothing;
  return train_and_record(run_id, [&] { return decision.config; }, out_dir, nothing);
}

}  // namespace atrous
