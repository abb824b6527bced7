"""The aws target kind: EKS with EFA GPU node groups, FSx for Lustre, S3, KMS and IAM."""
