module bak2avro

go 1.19
