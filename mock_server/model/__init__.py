"""Rise as plain data and pure functions: the executable specification of the contract.

Records (`records`), the documented rules (`rules`, `dates`, `reports`, `pagination`), the tenant that
applies them to a store (`tenant`, `store`), seeds (`seed`) and the facts read once from `openapi.yaml`
(`contract`). Nothing here knows about HTTP; nothing here imports the rest of the project. The mock
serves this model and `rise-conformance` uses it as its oracle.
"""
