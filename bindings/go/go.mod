module github.com/bak2avro/libbak2avro/bindings/go

go 1.19
