module function

go 1.24

require pulsarwasm.io/sdk v0.0.0

replace pulsarwasm.io/sdk => ./sdk
