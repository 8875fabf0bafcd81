#pragma once

// Tiny task operators with parameter schemas, for the DAG file and DAG folder tests.

#include "core/scheduler/operatorcatalog.h"
#include "plugins/api/taskoperator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>

namespace millrace::scheduler::testing {

// An operator whose schema is given as JSON text; counts how often DAG checks asked for it.
class SchemaOperator : public plugins::TaskOperator
{
public:
    explicit SchemaOperator(const char *schema)
        : m_schema(QJsonDocument::fromJson(QByteArray(schema)).object())
    {
    }

    QJsonObject parameterSchema() const override
    {
        ++m_schemaReads;
        return m_schema;
    }
    plugins::TaskOutcome run(plugins::TaskContext &) override { return {}; }

    int schemaReads() const { return m_schemaReads; }

private:
    QJsonObject m_schema;
    mutable std::atomic<int> m_schemaReads{0};
};

// The operators the test DAG files use: noop (no schema), shell (command required, anything
// else allowed), drain_topic and update_model (closed schemas), train (to be misspelt).
struct TestOperators
{
    SchemaOperator noop{"{}"};
    SchemaOperator shell{R"({"type": "object",
        "properties": {"command": {"type": "string"}, "env": {"type": "object"}},
        "required": ["command"]})"};
    SchemaOperator drainTopic{R"({"type": "object",
        "properties": {"topic": {"type": "string"},
                       "max_messages": {"type": "integer", "minimum": 1}},
        "required": ["topic"], "additionalProperties": false})"};
    SchemaOperator updateModel{R"({"type": "object",
        "properties": {
            "model": {"type": "string"},
            "epochs": {"type": "integer", "minimum": 1, "maximum": 1000},
            "optimizer": {"type": "string", "enum": ["adam", "sgd"]},
            "learning_rate": {"type": "number", "minimum": 0},
            "layers": {"type": "array", "items": {"type": "integer", "minimum": 1}},
            "options": {"type": "object", "properties": {"dropout": {"type": "number"}},
                        "additionalProperties": false},
            "dry_run": {"type": "boolean"},
            "seed": {"type": ["integer", "null"]}},
        "required": ["model"], "additionalProperties": false})"};
    SchemaOperator train{"{}"};

    OperatorCatalog catalog;

    TestOperators()
    {
        catalog.add(QStringLiteral("noop"), &noop, QStringLiteral("built-in"));
        catalog.add(QStringLiteral("shell"), &shell, QStringLiteral("built-in"));
        catalog.add(QStringLiteral("drain_topic"), &drainTopic, QStringLiteral("built-in"));
        catalog.add(QStringLiteral("update_model"), &updateModel, QStringLiteral("built-in"));
        catalog.add(QStringLiteral("train"), &train, QStringLiteral("test plugin"));
    }

    int schemaReads() const
    {
        return noop.schemaReads() + shell.schemaReads() + drainTopic.schemaReads()
               + updateModel.schemaReads() + train.schemaReads();
    }
};

} // namespace millrace::scheduler::testing
