import { fileTable, type Dataset } from "./dataset.js";

// Facts, sources and licenses from the dataset READMEs the maintainers wrote beside their copies; sha256 and sizes are
// of those copies (the files aidc stores). Table columns: path, bytes, sha256, sha256 of the gunzipped content (for .gz
// files), canonical URL (pinned to a commit), transform.

/** Cluster traces the simulator replays or reads. */
export const TRACE_DATASETS: readonly Dataset[] = [
  {
    name: "philly",
    title: "Microsoft Philly 2017 job table + machine lists",
    description:
      "82,247 GPU jobs (submit time, duration, GPUs, virtual cluster) derived from the Philly trace; machine lists; per-minute node counts",
    source:
      "jobs: siasosp23/artifacts @ aaf7a0de (sia-simulator/traces/philly.csv); machine lists: Qinghao-Hu/Philly-Trace-Scripts @ 2d1478f0; VC nodes and node sequence: S-Lab-System-Group/HeliosArtifact @ bdaae109; underlying data msr-fiddle/philly-traces (Jeon et al., ATC'19)",
    license: "Philly trace CC-BY-4.0; the Sia repository has no LICENSE file; Philly-Trace-Scripts and HeliosArtifact MIT",
    main: { path: "philly_jobs.csv.gz", traceFormat: "philly" },
    files: fileTable(`
philly_jobs.csv.gz 646141 3e7c68fda81aa3456ae29ff7b5b8cd08a81ca915c45e1626baa43530636e5684 ebffb3dd1589bdf4e7bcd74496201c5ded1d557d498ee14f560463f37ec353da https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/traces/philly.csv
cluster_machine_list.csv 7108 5a3f3ad190fcf75bb44b8f7e4b1a8d76897255e35657d3038c8e43d021cba22f - https://raw.githubusercontent.com/Qinghao-Hu/Philly-Trace-Scripts/2d1478f0b4cd65eb2d80ca489ac2f284164b7441/data/cluster_machine_list
revised_machine_list.csv 5878 8662346b8cc6d4c3d80e659ec8bcdc9b32b9badd69eda61f14c47f855a99898e - https://raw.githubusercontent.com/Qinghao-Hu/Philly-Trace-Scripts/2d1478f0b4cd65eb2d80ca489ac2f284164b7441/data/revised_machine_list.csv
helios_philly_vc_nodes.csv 120 a6873abd7d94a09c646961ad7a0f011faf4069dcdf0c1f7717521613fd6156f7 - https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/framework/QSSF%20Service/data/philly_vc.csv
philly_node_sequence.csv.gz 353794 18d92476bdffc7414ecff379a7fa4ab63347a9eae454a65759e1fcddd2b8efd8 4d430364b7d4e18e180b4ab116f36bace689baf9ca05bffa9b257dc6bdc794ac https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/framework/CES%20Service/data/philly_node_sequence.csv
`),
  },
  {
    name: "helios",
    aliases: ["helios-aggregates"],
    title: "SenseTime Helios 2020 aggregates (GPUs per VC per day, per-minute VC occupancy)",
    description:
      "Venus/Earth GPUs per virtual cluster per day, and per-minute running/pending jobs and GPUs of 16 Earth VCs in May 2020 (the job logs are not included)",
    source: "S-Lab-System-Group/HeliosData @ 50b76317 (Venus); S-Lab-System-Group/HeliosArtifact @ bdaae109 (Earth); Hu et al., SC'21",
    license: "HeliosData CC-BY-4.0; HeliosArtifact MIT",
    files: fileTable(`
venus_vc_gpu_number.csv 15086 08c05fc4d2ac94aceb43f2bfd28d731a089df8e9bb7c3412d2bd211cab2ed57c - https://raw.githubusercontent.com/S-Lab-System-Group/HeliosData/50b7631750b9b6a8079259cccf17bde7981ae315/data/Venus/cluster_gpu_number.csv
earth_vc_gpu_number.csv 15230 cd85b21f9b2651a64ed7ecb86f2c5dea771a3bd55d41537eea976b61aa00642f - https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/Earth_gpu_number.csv
earth_vcs/vc3sl_cluster_sequence.csv.gz 131631 d796442ceace5d167f582cacfaf1e3d30a50e52c22915a5eddac9a47179e7d28 bed4c00def988d7661e579b07e4ead3c0324e7709a5682da32caa63c4d892bf8 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vc3sl/cluster_sequence_vc.csv
earth_vcs/vc6YE_cluster_sequence.csv.gz 144842 0faefa7dfb6ee144799ae2f2893f1f4dace38abb9f940dff507834bd8c03d09b a3f5604c54c0dcf630cc7c5c4f4b9194ee64276dc3697f748a159ea0a3ac937a https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vc6YE/cluster_sequence_vc.csv
earth_vcs/vc8Sj_cluster_sequence.csv.gz 128909 f82d9e09d96d7ee5d4aee806ea83db0cdd6e9820dea4c220846ab8024b14d38c e264563f228765b06c3c12a50644955adac286c99e9c73ec0294d0deb80a4282 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vc8Sj/cluster_sequence_vc.csv
earth_vcs/vcJLV_cluster_sequence.csv.gz 122452 c81963c3f2ec8ec97c97a7eba91d6017a0d8aa726fef6c75ad673513a303535e 457307875a07db4b771c9a665fd9c171b16ff8832ec1b40056bd47b7d06f3b49 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcJLV/cluster_sequence_vc.csv
earth_vcs/vcJkd_cluster_sequence.csv.gz 118292 fd7ee410d1005991e271de14b08c23cdd78ad1bc70276c831f18e3210a987f9d 6543a83fd69b0e85ebb34d2a35a2e0a81d747db0a255917845b343c34b1df0a3 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcJkd/cluster_sequence_vc.csv
earth_vcs/vcLJZ_cluster_sequence.csv.gz 121372 f67d32b4c2c58546351621f0f014c5acc0362198f005336b4c292300f7a2d83e e70279198452ec2518774285e9b2e435d4aeb26f019036897446ecba295529fe https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcLJZ/cluster_sequence_vc.csv
earth_vcs/vcMod_cluster_sequence.csv.gz 120884 d7335eb7eccf62607a23cdebc0f182b5174c75f8659c80fe1981d579a8bfe1d5 e16e824d75051409c08228cf65ead8e2609dc607f26216129b7c38b5d3d2e0ef https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcMod/cluster_sequence_vc.csv
earth_vcs/vcSoL_cluster_sequence.csv.gz 122118 5144229b40518b0e2461e616f81c7354dcde4681e698fdf1d53ca614ee987f43 4f0544ebde6712a5e9110a7c4a54a5ebafd86a543fa6d2c4baf48d455bf161c2 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcSoL/cluster_sequence_vc.csv
earth_vcs/vcTJs_cluster_sequence.csv.gz 139162 ce5cecdc1b2dc2e5d55ed2d2e7991be3bf2438e373e3e4ee85c20d1c7b03ea01 9d29704b3ce07af9ee96af51cd516a7b7f6d9f0b3523c9d479f44c517dd91fd3 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcTJs/cluster_sequence_vc.csv
earth_vcs/vccaA_cluster_sequence.csv.gz 126205 7a5802d373d86ff843be81f43cca3b2e9f8d733b8769ac80780b3e265a7afab4 b60fe669a9c92a1437e61cf6b4a0b14574587d19149b20e9445f12b965e4b8ab https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vccaA/cluster_sequence_vc.csv
earth_vcs/vcdI0_cluster_sequence.csv.gz 119599 fdacafb38a040a9a52609940a50b27f2763dbfc1a69d5deccf5e6bb099a9ee1f 8af4778084bb755b3b5b106daf46603ae33993a5cc463b094ba2c1bfe2d63ef6 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcdI0/cluster_sequence_vc.csv
earth_vcs/vcgkz_cluster_sequence.csv.gz 113469 4343bd86ec148310921a122581a1faa31479c27911e043cc2f63e416a0f44486 4933b4cd750b174fb25ab6d6a03702f2e945a4200bc68047a41aab74efa82dbb https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcgkz/cluster_sequence_vc.csv
earth_vcs/vchbv_cluster_sequence.csv.gz 193175 1e81ef865096d3820785b4972ee5590f419612bd078eac3d1c11397ed5ee7ef4 fed830fdf39248e46b3078e47dd7518203afd826c55d5a0d136cc761050c3e7b https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vchbv/cluster_sequence_vc.csv
earth_vcs/vcira_cluster_sequence.csv.gz 117920 c6b99507d191d9e7ba77987bb10861b9e54100a2316c4268dc55751b9dc553c0 3c3bb05f0df42035c30c51f90b0b8d8796657bac0f9bf5087f773fb1eb6438db https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcira/cluster_sequence_vc.csv
earth_vcs/vcpDC_cluster_sequence.csv.gz 130380 11328da4295b20b8012a99048be43ec2ad8c21ad9516cf7170751aa0ac920072 b97626a5c0399ba269150364df94a855d29decf986c0209040a90571bb67fded https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcpDC/cluster_sequence_vc.csv
earth_vcs/vcvlY_cluster_sequence.csv.gz 125731 2a2fd817119a13324b3d07638c3772d45420a027f6fe4475560a161f88a4718a 78ccae5d844f89cd183bd3fd260363285d06e04441c581aea19dd9b1c54c7657 https://raw.githubusercontent.com/S-Lab-System-Group/HeliosArtifact/bdaae109c21f8038a2331e6a23a582d5ae78ab5b/analysis/2_cluster%20characterization/Earth_vcs/vcvlY/cluster_sequence_vc.csv
`),
  },
  {
    name: "openb",
    aliases: ["alibaba-gpu-2023"],
    title: "Alibaba GPU cluster trace 2023 (openb, FGD ATC'23)",
    description: "1,523 nodes / 6,212 GPUs and 24 pod lists (7,064-10,094 pods each, GPU sharing, GPU-model constraints)",
    source: "alibaba/clusterdata @ 7a6c496e, cluster-trace-gpu-v2023/csv/ (pod lists gzipped by aidc); Weng et al., ATC'23",
    license: 'no license text on the folder; Alibaba allows use "for research or study purpose" and asks to cite the FGD paper',
    main: { path: "openb_pod_list_default.csv.gz", traceFormat: "openb" },
    files: fileTable(`
openb_node_list_all_node.csv 52287 5a85c2af79c66a1efff8bbcbda430400aae56d8431370d738480967e1a9c6b15 - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_node_list_all_node.csv
openb_node_list_gpu_node.csv 42353 2beca64b4d3dfa342036a34b56a495c6cef9225db836c81f541282cb1df320b5 - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_node_list_gpu_node.csv
openb_pod_list_cpu0.csv.gz 97194 e25817c43fe10025c8e65c3664ae806620a8d8f8f794e8779174414853c600b4 1bc3fd9ee5c1468ccd018f624d9222746e08d59f963f66b925804734271c0eaa https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu0.csv
openb_pod_list_cpu037.csv.gz 101386 6bdd213f5c2c31d4caba8502f83c6fe1bf75b217907ed9fb59c0e8ab0dfd2e61 8ed554026d041b15ff21ddc104d9a21dbd9a93c496262fa23ef7b5be27e220dc https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu037.csv
openb_pod_list_cpu050.csv.gz 102761 1926f73006f371f90747d9612518b9eaf29672fd0ce16d0e2bc08c4505523ec2 747f43247bffc2b0bb081d7f61f0705ca8d390dafc0b647e642c92f3baf3ba1e https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu050.csv
openb_pod_list_cpu072.csv.gz 105235 57cd120fc557723fb4f38833e8245a2f5e3fcd554e9f611ce6314810310516fa f8a2b031461b54d7b9f06d55473c2371eb3357b78a255c646bdca5e0833a8a2f https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu072.csv
openb_pod_list_cpu100.csv.gz 108814 f84b3957aa74ee9d0f6ec95d6b67485b915f5bbcef5aff0f34ab6ba9bfbc4a1f bec1c33fbdde61fd463877534ec79b393aec73e1cbb22d55fab9f166ac480982 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu100.csv
openb_pod_list_cpu200.csv.gz 118135 3a243d23495cdc36680e282f4ca1de01519a6861ace380e3573c88063e8744e6 b7e9d8a1a601da84d6e0b4110b19ef5001be5e4796d33e7b82f166ba95161f87 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu200.csv
openb_pod_list_cpu235.csv.gz 125863 e6337ca7825586fdbaea4ae2b4ee3070bffd4915d3ff4dd5193f713f8dd4ea20 87bebd4d012faa8305ce1fd82737f51cf03361aac28b75d42e34aa656d7f4ee0 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu235.csv
openb_pod_list_cpu250.csv.gz 125167 3d96713b76d518d7303da943da77f382c9db98bd34191b082733a54358e0ec52 134c21ff96d57533df8a37b67632972884fec9396e77cd0898ddc370cc8e607d https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu250.csv
openb_pod_list_cpu300.csv.gz 132594 a66c7df84407c5013458c0f5dfc2c2090733bfba2b6e7cf330bcac4c4f637fe7 76528825f40ee662cb098b3b6e683c1efd9f87a0c8af7e628df1f32c639636d1 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_cpu300.csv
openb_pod_list_default.csv.gz 111735 dc395ddbd156933a57da9caee1d79ddd745146deb1255bcb1f4aac54bc3047f3 1ee7ed79c27a3b0861cda8ddba86a004c6aba904caafa329a76ae93ca63834a8 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_default.csv
openb_pod_list_gpushare100.csv.gz 109670 31706cd1f34e4ecc92e601179572f306c0061eb6cb0429e6513fab6b92151958 12dbc07d6a49bf8641e2275a2ff5bf7be74b5df7d148d531e135b140b95f9a3d https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpushare100.csv
openb_pod_list_gpushare20.csv.gz 116882 a071021fc3d1a7fa5399eb26ae0d9cf800b749534d7fa0f0860d157edd5413d9 9be2d0efb52e242c32e23dd184cc5fcc1983478c6c9c02cbb6b4b62925c0ffcd https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpushare20.csv
openb_pod_list_gpushare40.csv.gz 115023 29dcd6f7c5aff5e0896195cd79b430f36103d3c4f55db03ce9ea872248ad4cc4 d83ce79a4eb6987524bedbb0c65e41aed3a36bf6c1b78b86234c3687a07e1d40 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpushare40.csv
openb_pod_list_gpushare60.csv.gz 113571 831137b4d3aaca209a28db1a2e423db8c92d813fe2d03decd4d56cf6c1c1e817 d31809628128a1f24491086eda4af3e23882b9213d3ef57a56ee2d1af69492fe https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpushare60.csv
openb_pod_list_gpushare80.csv.gz 111158 500eee198740baa92722081f9430484d52025a683fd97bfc6d29e7aa6c366da3 88b6649369ced40d0fde287d2498ea61ff4b05fccba8bdc95daf6042f2f8431e https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpushare80.csv
openb_pod_list_gpuspec05.csv.gz 113187 de8e431e4e18c3955c2ceb86ba9a44b043588fd0dd4e074415c52e8bf0795bd0 8f1c0ef7e4e511e982bd2818898ba22ee6d273bf5fce124b7ace285b5928cf4e https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpuspec05.csv
openb_pod_list_gpuspec10.csv.gz 114087 aa37f89cafdbd60a6222ac120651f231555e8255c76f58f7f7e6e9ba03287ab8 2dc7e4cb9480484f08539720b433a9ec9ab5d76b396f3f7557c53a2ff78a7611 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpuspec10.csv
openb_pod_list_gpuspec20.csv.gz 115359 e891fb100a20951638677aae75548aff25c68766eaa2812986e8e41bc0974279 6b9b89ab8913c1c074e994e98f548cf1a872fc5f76f2442ca8cd514a478b00a9 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpuspec20.csv
openb_pod_list_gpuspec25.csv.gz 115817 91341c044e7668f15e2ca444c9561f1c2af8c8fda65df73c1f18f84c066f0122 9d030679a2ccd7e27a7ec9ff15baff34480d22a0012515691fc187e3f35ee68c https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpuspec25.csv
openb_pod_list_gpuspec33.csv.gz 116718 de1c217eb656cca14cfcd8f5f17ea2dc72a8f33cebd65fc93054aa696ad256c3 eca4f746db1e5b25864ad021b55ece3943e101a3ebd4574d09dcb95c46117652 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_gpuspec33.csv
openb_pod_list_multigpu20.csv.gz 28374 c8e76ce9f36218375dc286ef8ddf6ccacc123ea1e129892164dbf32c500e18a0 d9ec6f6c74fb980cc0b81239470c6353fceea077ea9abd610003b604c7cc2b01 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_multigpu20.csv
openb_pod_list_multigpu30.csv.gz 28953 07b96e06955b5edad1e41e8640777ff7ba54ac949c1429963eb393226130cf82 a5e479c6444b1d83eef848159cf00c3cfa13441b2d1e2c113c391b91f1cc5b11 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_multigpu30.csv
openb_pod_list_multigpu40.csv.gz 29671 c4052802df7223f3d19dfe20508dad68775a39290ac07e5cadbdbfe33d6ab283 32c9e8731ca07ef96108aa65f2a289bb9aacb47f642ed9e3789f99b242df60eb https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2023/csv/openb_pod_list_multigpu40.csv
`),
  },
  {
    name: "alibaba-pai-2020",
    aliases: ["pai"],
    title: "Alibaba PAI 2020 GPU cluster: machine list and table schemas",
    description:
      "1,897 machines / 6,742 GPUs (machine, GPU type, CPUs, memory, GPUs) and the column names of the seven PAI tables (the job tables themselves are not included)",
    source:
      "alibaba/clusterdata @ 7a6c496e, cluster-trace-gpu-v2020/ (headers); pai_machine_spec.csv extracted from pai_machine_spec.tar.gz (qzweng/clusterdata-cluster-trace-gpu-v2020-data @ e60d925f; hash as in the official README); Weng et al., NSDI'22",
    license: "CC-BY-4.0",
    canonicalNote: "pai_machine_spec.csv is published only inside a tar archive; fetch it from a mirror with --from <dir|url>",
    files: fileTable(`
pai_group_tag_table.header 42 320470fa8f77182bc6052c95ff359b75542c748e9516b3d8148a6e2bafc1798d - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_group_tag_table.header
pai_instance_table.header 84 51f2585178eaaf30ad8cc88c50ec9243b0f7d9603603ab7602efccb7aa34f6b0 - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_instance_table.header
pai_job_table.header 49 3ac33aefab9a4d81338794fa145fe280594a379444961a9c639f00181c508567 - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_job_table.header
pai_machine_metric.header 172 300342613103c6192490f8990958903d837053c13adbc6c094d677074fbbb7ad - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_machine_metric.header
pai_machine_spec.csv 73311 251e9e33649155a6a935fdc1dc0e90cd4698206936b60bd8fce60ff2ccd51439 - -
pai_machine_spec.header 41 4c9ea25914ff3f0b73be9ff223fb91002e787138165abd3f584ba37281448e1c - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_machine_spec.header
pai_sensor_table.header 161 d3e26eb31fb3b833821373b487266312151a3bfb2f18fc62017a438546cc1362 - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_sensor_table.header
pai_task_table.header 91 978bbaabfc8695874c605c01c144b2977f611ceca73aeb72189988cdfbfb0a9c - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2020/data/pai_task_table.header
`),
  },
  {
    name: "azure-llm-2023",
    aliases: ["azure-llm"],
    title: "Azure LLM inference trace 2023 (Splitwise)",
    description:
      "one row per LLM request (timestamp, prompt tokens, output tokens): 8,819 code and 19,366 conversation requests, ~1 h each",
    source: "Azure/AzurePublicDataset @ b469a113, data/AzureLLMInferenceTrace_{code,conv}.csv (gzipped by aidc); Patel et al., ISCA'24",
    license: "CC-BY-4.0",
    main: { path: "AzureLLMInferenceTrace_conv.csv.gz" },
    files: fileTable(`
AzureLLMInferenceTrace_code.csv.gz 76067 a693e93b69f7c2ad7039d2ea1e109b5cf83c5a6c699e1d4848030e8fae223389 54e9a6d2a4bd06ba1e060304b900abbc74cbea53de96506e60fe5bb4f2277fb6 https://raw.githubusercontent.com/Azure/AzurePublicDataset/b469a113cedca53ddc3bdea71a143dc4b7d8700c/data/AzureLLMInferenceTrace_code.csv
AzureLLMInferenceTrace_conv.csv.gz 180355 9d3518f77e4387c32c76b206d8006fe5a2bde0dc41d6038dbd0a1c60c7e86fa2 2f1e5b666d4e3055fdbba98598ce2ec307767b9064e03e2fa46676dbcc7d0bf8 https://raw.githubusercontent.com/Azure/AzurePublicDataset/b469a113cedca53ddc3bdea71a143dc4b7d8700c/data/AzureLLMInferenceTrace_conv.csv
`),
  },
  {
    name: "pollux-sia",
    aliases: ["sia", "pollux"],
    title: "Sia/Pollux sampled workloads (Philly- and Helios-Saturn-derived)",
    description: "8 Philly-derived and 10 Saturn-derived 160-job workloads (8 h, 20 jobs/h): name, submit time, model, GPUs, batch size",
    source: "siasosp23/artifacts @ aaf7a0de, sia-simulator/workloads/{philly,saturn}/ (Sia, SOSP'23; Pollux, OSDI'21)",
    license: "the repository has no LICENSE file; the sampled traces are CC-BY-4.0 (Philly, Helios)",
    main: { path: "sia/philly/workload-1.csv", traceFormat: "pollux" },
    files: fileTable(`
sia/philly/workload-1.csv 5276 c0f4c1d80ef57f2c61a6a0a42f95fa080e1bfdd1319f2baa801af0f4a2d8c64d - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-1.csv
sia/philly/workload-2.csv 5299 bdc62c7b18554eaa53240e24468b39df9c49da630d2471524a9ac5eda04e878e - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-2.csv
sia/philly/workload-3.csv 5191 40c5f34a17b08e78d48c35575454b83ce09aed94721f4104fc344ed1fc051751 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-3.csv
sia/philly/workload-4.csv 5274 43625cffc417400b1ec7202d8f8ff906dc4a2d5961396b9c7595a1d5d36fc1be - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-4.csv
sia/philly/workload-5.csv 5224 af2178103996d9bff9f36b6fbd89be5e0b46a7fa4d8db271b616d52a865087a8 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-5.csv
sia/philly/workload-6.csv 5237 e71e69e31d2599d6d92310aa7d2675a1f7e3faf80d9269bef85aef8b4a91f151 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-6.csv
sia/philly/workload-7.csv 5185 d854113e23e756eedbb42fb737ac04a341c06dbb94b3c82665077601f20a3a76 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-7.csv
sia/philly/workload-8.csv 5260 02ef9e5fc379a28f1ac7b80986cd3460de9b5c18f031d8d416b2c74f3384822a - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/philly/workload-8.csv
sia/saturn/workload-1.csv 5564 0ff89480a7183132b4c40e5853aa632da93a9eee204ea6432a0b46b31615c6ed - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-1.csv
sia/saturn/workload-2.csv 5533 cb0fe646907b3862bb418f42d4d52f0a84ab206336ef43a889eb3b730beda1b3 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-2.csv
sia/saturn/workload-3.csv 5532 54820fdfd9228b4ec39ee50aa9fd22bcd8681cf9cd411b6cf056ad7a8357ee0c - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-3.csv
sia/saturn/workload-4.csv 5568 9cfcb6d8f692d24b10a50cb1777f5ff2e2020062a5d5f7431dff1cf78dc3e722 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-4.csv
sia/saturn/workload-5.csv 5563 af385c618966addcba138629e5f23ca381b5ef0b087b3c20caead351be4116cb - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-5.csv
sia/saturn/workload-6.csv 5546 a41ca5f26a49e91c35c59db89e326c9489afe9a21e14f260985ac373adf8fae8 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-6.csv
sia/saturn/workload-7.csv 5499 216825bca384a97dd10ef46b25c2b14c78c0e3f31c958f40175b00421d764b72 - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-7.csv
sia/saturn/workload-8.csv 5580 9ea6fc2f1757655d5c0355d618780133cf1b330203c56007e44f171174b231fc - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-8.csv
sia/saturn/workload-9.csv 5559 e81fd884d59ce1907a28170323241d8fbbaaddc9abd75d0ea4677711ae03d45b - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-9.csv
sia/saturn/workload-10.csv 5577 f7e7d15ddeeaa7198566cded7d0cca528a506e8e503d21bbb0d20c409163b11a - https://raw.githubusercontent.com/siasosp23/artifacts/aaf7a0de7b6cb5eab06ea020467ede5d2fd18e70/sia-simulator/workloads/saturn/workload-10.csv
`),
  },
  {
    name: "tiresias",
    title: "Tiresias simulator sample inputs (NSDI'19)",
    description: "a 60-job sample trace, YARN GPU-time distributions and cluster shapes (n32g4, n160g8, ...)",
    source: "SymbioticLab/Tiresias @ 959f9b08, simulator/",
    license: "Apache-2.0",
    main: { path: "60_job.csv", traceFormat: "tiresias" },
    files: fileTable(`
60_job.csv 1871 17575949a6e570960db42bc5576739de9c334ed4c664859841c4f01ede38bd1b - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/60_job.csv
cluster_spec.csv 84 58c1241b524064b2226012547eba1c9033f0820818c79b85e85a984c4d6b1867 - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/cluster_spec.csv
n160g8.csv 84 fce43270fc374e465862a062b3dc90fde93c2bd98800adb5e1b4efae7cfa5abe - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/n160g8.csv
n1g4.csv 83 c0e2448b1228fc470474cb8df943589a38dea4ca9f439f386ee33bf9f7a16f27 - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/n1g4.csv
n256g8.csv 83 a4aee773acf4b1707a75b5813a5a5d314776c4374c58e7f3e07cec066347d817 - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/n256g8.csv
n32g4.csv 83 ca71313259ebdaad478afbe118b0dc92d5c1c59b2463f8500aa540dd92e77144 - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/n32g4.csv
tf_job.csv 152 6445d0131d71429ab2d6fbfb0972c9d925dddc8b618d1f05fc5b2941448a58ac - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/tf_job.csv
yarn-gput1000.csv 6066 8c351e9c755207e5669b1db10abd4c993fbe5c230ea998c127be516b628c6c61 - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/yarn-gput1000.csv
yarn-gput10000.csv 60490 5452a607079d8637a0f7be3176c3cc6a9f33baa7c6980e79f4808087157b9b75 - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/yarn-gput10000.csv
yarn-gput5000.csv 30255 c68da2ecb0bd54c147dd42c0a1690ddd0f5f424ebad0b7666ea415fca2b5bf9d - https://raw.githubusercontent.com/SymbioticLab/Tiresias/959f9b08f44fa1b4f2b3aed79b01e4d439264a94/simulator/yarn-gput5000.csv
`),
  },
  {
    name: "alibaba-dlrm-2025",
    aliases: ["dlrm"],
    title: "Alibaba GPU-disaggregated DLRM serving trace 2025 (Prism, NSDI'25)",
    description: "23,871 inference-service instances of 156 services (CPU and GPU nodes, requests and limits, creation/deletion times)",
    source: "alibaba/clusterdata @ 7a6c496e, cluster-trace-gpu-v2025/disaggregated_DLRM_trace.csv (gzipped by aidc); Yang et al., NSDI'25",
    license: "none attached; Alibaba allows research/study use and asks for citation",
    files: fileTable(`
disaggregated_DLRM_trace.csv.gz 231719 7c51226c8efb01512e0502f505db47bc7e56d2767a34226d6adb54602ef965cf fb17bc4b3f412d5280f70f04a1bdf2adfc4429d1e61237a5b106e86206414295 https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-gpu-v2025/disaggregated_DLRM_trace.csv
`),
  },
  {
    name: "alibaba-spot-gpu-2026",
    aliases: ["spot-gpu"],
    title: "Alibaba spot-GPU trace 2026 (GFS, ASPLOS'26): node list",
    description: "4,278 GPU nodes / 10,412 GPUs (A100, H800, A10, ...): a modern heterogeneous inventory (the job table is not included)",
    source: "alibaba/clusterdata @ 7a6c496e, cluster-trace-v2026-spot-gpu/node_info_df.csv",
    license: "none attached; Alibaba allows research/study use",
    files: fileTable(`
node_info_df.csv 78330 1aba161961a5a4a1a61aa581383c5e5abe3400b59f8597ba8c4eef7597bc9d18 - https://raw.githubusercontent.com/alibaba/clusterdata/7a6c496e4f4b6ce6150be8f881cb051bf2abff42/cluster-trace-v2026-spot-gpu/node_info_df.csv
`),
  },
];
