import { fileTable, type Dataset } from "./dataset.js";

// Facts, sources and licenses from the dataset READMEs the maintainers wrote beside their copies; sha256 and sizes are
// of those copies (the files aidc stores). Table columns: path, bytes, sha256, sha256 of the gunzipped content (for .gz
// files), canonical URL (pinned to a commit), transform.

/** Datasets for the built-in workloads and the anomaly detectors. */
export const ML_DATASETS: readonly Dataset[] = [
  {
    name: "imdb",
    aliases: ["aclimdb"],
    title: "IMDB Large Movie Review Dataset v1.0 (labeled part)",
    description:
      "50,000 labeled movie reviews (25k train / 25k test, half positive), as gzip'd JSON Lines {id, rating, label, text}; the sentiment workload's data",
    source:
      "Maas et al., ACL 2011, https://ai.stanford.edu/~amaas/data/sentiment/ (aclImdb_v1.tar.gz); aidc builds the JSON Lines from the archive (train/test pos/neg, text unchanged, rows ordered by the sha256 of id) and checks them against the maintainers' files",
    license: "none stated by the dataset; its README asks to cite Maas et al. 2011",
    main: { path: "train.jsonl.gz" },
    files: fileTable(`
train.jsonl.gz 13585765 585d5ff551030b030292303b7e2b32cbdf1b6ea6efc7388c40611a27597befb9 ee6956f1eb330cf26b1d8966db021e50dbacbb16dfe2f7bf9ae34c5eae38e327 https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz aclimdb
test.jsonl.gz 13269957 240e660ab7b9d7bc29c6e3476099eb52041a8f93f94d59fb784fb2edcd25f660 b3da93b76348ad93acc93fa4931f9aff65b3575a62f680d24d86106dac838fd6 https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz aclimdb
`),
  },
  {
    name: "nab",
    title: "Numenta Anomaly Benchmark v1.1 (30-series subset with labels)",
    description:
      "30 labeled server-metric series (AWS CloudWatch, known-cause, synthetic) + anomaly windows; what `aidc anomaly eval` scores",
    source:
      "numenta/NAB @ ea702d75cc2258d9d7dd35ca8e5e2539d71f3140 (data/<category>/<file>.csv byte-identical; labels/combined_*.json reduced to these series)",
    license: "MIT (Numenta, 2014-2024); cite Ahmad et al., Neurocomputing 2017",
    main: { path: "." },
    files: fileTable(`
LICENSE.txt 1056 0a0b4d0b10cb1f7ed9ab2993ef93defc03447e6eba9daca1315dd32dae4877e3 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/LICENSE.txt
artificialNoAnomaly/art_daily_no_noise.csv 116776 ccb7743ac2de8ca110db4af796d11ba31a23ad448a28e353a935c15f637756bc - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialNoAnomaly/art_daily_no_noise.csv
artificialNoAnomaly/art_daily_perfect_square_wave.csv 100816 662ff0a295b81eb0ff8e81116a54a497cd6f6b07c19c7a5ea72cce494913ce62 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialNoAnomaly/art_daily_perfect_square_wave.csv
artificialNoAnomaly/art_daily_small_noise.csv 140187 c4b304229f69f108eaa024fb2406fcd4510c5c5d95cd0053e2da6989682e4e6d - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialNoAnomaly/art_daily_small_noise.csv
artificialNoAnomaly/art_flatline.csv 100816 1cc10761ddd6d55fb5f0d9cfc73610416abbb120ee14bb65eff288509a463397 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialNoAnomaly/art_flatline.csv
artificialNoAnomaly/art_noisy.csv 140916 ad455adeaf06852222500955f2aefe6bd389cc762ef68e7102ee543209c8607f - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialNoAnomaly/art_noisy.csv
artificialWithAnomaly/art_daily_flatmiddle.csv 140292 ea5df125947e9ee2b977ac3d341f3c2a029588862af97cae4a654fc56e838702 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialWithAnomaly/art_daily_flatmiddle.csv
artificialWithAnomaly/art_daily_jumpsdown.csv 140814 4af31802e87dff4b4ba3ceb21714ba9d905f7888e1f53d47cc6dd4f856f9debc - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialWithAnomaly/art_daily_jumpsdown.csv
artificialWithAnomaly/art_daily_jumpsup.csv 140548 f79f92b93ee4f9c10e2dc552505e8880b0c618639ed5e0f9816e044b75c26456 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialWithAnomaly/art_daily_jumpsup.csv
artificialWithAnomaly/art_daily_nojump.csv 140478 65c85d1834376ed5e622f01721d478609577ea0df0a067c5a5ebe5edea03b077 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialWithAnomaly/art_daily_nojump.csv
artificialWithAnomaly/art_increase_spike_density.csv 96869 0959d8871d5c1a3fc3120fb7421e4ef113fffb434af2889085b52aebdb69360c - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialWithAnomaly/art_increase_spike_density.csv
artificialWithAnomaly/art_load_balancer_spikes.csv 101603 99f7130e54c7c3e818df8e3bdc0974cd241914bb14a10a9c3fa7c1374125d224 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/artificialWithAnomaly/art_load_balancer_spikes.csv
realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv 105367 ab446fbd8b9f37507eb2fdb06315826d8daeef02e241133ce06e0ee571ba53d9 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv
realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv 116041 8942e498de7b40f1b4a6d802755592c09b8fb73ce8f658763a09cb9ea1ea94ac - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv
realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv 119229 01613e6f632d067f11a5dfd40a188b0789752b388d9bc77a398bd06333878a76 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv
realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv 106007 90ceabd570b449241ee24ff8a116a793979b7671ce4490707311bfea0e0aae1f - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv
realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv 113675 d768419037c9db269343822957314f57ee21a7d9a4d41df2add0d1ba45ba84de - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv
realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv 116980 749a15c2e1a4543c21fee9cbf3338cd8a7ed5f5f8a1308b9b099b06c2c66e66b - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv
realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv 104962 d936cea74682ed43ac96b778352d7de294c0b0c168f4a7e6817162346cdb28c1 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv
realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv 115788 f3433f8171f4dcea86c0c7af9996d0f166f812fa0f4567f1d5cd85d2d2cd69b4 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv
realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv 116626 ce3d6c6a652ed7c31a6dd3727a36e128fcac6fb2381c63267ad0fbc02eccd9df - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv
realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv 101626 a0e734a66098bb81833835f0839dadafbc8ae829c51494670ee8849e46eb5b63 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv
realAWSCloudwatch/ec2_network_in_257a54.csv 117236 39104b08f2e0a673b5137eb7681897fcadf0955fedf565740a6a94edc63a81a4 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_network_in_257a54.csv
realAWSCloudwatch/ec2_network_in_5abac7.csv 120827 c27ef93f582af63bf42e80d804764cbe64ae987620f3cfab5477d6ebb3c6157e - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/ec2_network_in_5abac7.csv
realAWSCloudwatch/elb_request_count_8c0756.csv 101052 74c26574a01ca9fb89dddb5021e2e13c3a93eb25dc640438a9acb1ceb00f1021 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/elb_request_count_8c0756.csv
realAWSCloudwatch/grok_asg_anomaly.csv 131065 86a0abe9d58e376858d2fd4f4a438f1997e24c64a09e5af03accd4e1b372ac47 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/grok_asg_anomaly.csv
realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv 37339 f115fbe6542159eed5612445bfa620708a28ab6b41349d1432bb15c3a3b8414d - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv
realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv 117806 d5df979ef85928769a016cd0f935919d8c2a113926e21e1eb3a5001d688760e2 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv
realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv 113599 6b712b922ab3b3404c5a629d64a570c390c99471ee8b9b0ff7665f553fda92c1 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv
realKnownCause/ambient_temperature_system_failure.csv 233321 230b68ccca20f59d562afd5d24ad52939c9b784386bed0054018358bf9120581 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realKnownCause/ambient_temperature_system_failure.csv
realKnownCause/nyc_taxi.csv 265771 d8fa6f7f0734bf5c8be12c52a94e20a82664c397d9dec4449156bd453d32856d - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data/realKnownCause/nyc_taxi.csv
combined_labels.json 3194 402868c728c4a7deb700032a05c317a90e0e339febe2b307364ba8b3d392d22b - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/labels/combined_labels.json nab-labels
combined_windows.json 6302 0abf353609bad8dfe696d6a99cfea2e0879ee7ef6e9fa97da73777ef9171e554 - https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/labels/combined_windows.json nab-labels
`),
  },
];
