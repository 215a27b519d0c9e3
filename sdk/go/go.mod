module pulsarwasm.io/sdk

go 1.24
