#pragma once

#include <string>
#include <vector>

#include "acx/http/server.hpp"
#include "acx/sandbox/options.hpp"

namespace acx::sandbox {

class Company;
class Gate;
class Records;

// The REST API subset under /api/v2, with AccuLynx's paths, parameter names and list shapes (diagnostics/ping,
// contacts, jobs, a job's history, milestone history and current milestone), and the sandbox's change routes for what
// the public API cannot do (a job's milestone, a job's or contact's fields): each its own function, behind the gate.
class ApiRoutes {
public:
  ApiRoutes(Records& records, Company& company, Gate& gate, const Options& options);
  std::vector<http::Route> routes();

private:
  http::Response ping(const http::Request& r, const std::string& key);
  http::Response list_contacts(const http::Request& r, const std::string& key);
  http::Response add_contact(const http::Request& r, const std::string& key);
  http::Response show_contact(const http::Request& r, const std::string& key);
  http::Response list_jobs(const http::Request& r, const std::string& key);
  http::Response create_job(const http::Request& r, const std::string& key);
  http::Response show_job(const http::Request& r, const std::string& key);
  http::Response job_history(const http::Request& r, const std::string& key);
  http::Response milestone_history(const http::Request& r, const std::string& key);
  http::Response current_milestone(const http::Request& r, const std::string& key);
  http::Response change_milestone(const http::Request& r, const std::string& key);
  http::Response update_job(const http::Request& r, const std::string& key);
  http::Response update_contact(const http::Request& r, const std::string& key);

  struct Caller caller(const http::Request& r, const std::string& key) const;
  struct Record job(const http::Request& r, const std::string& key) const; // params[0], or Refused (404)

  Records& m_records;
  Company& m_company;
  Gate& m_gate;
  const Options& m_options;
};

} // namespace acx::sandbox
